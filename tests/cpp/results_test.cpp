// The table of result arrays (results.hpp): shapes by dimension name, what results hold, and
// aggregation across replications driven by the table.
#include "tvaer/results.hpp"

#include <catch2/catch.hpp>

#include "tvaer/error.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/replications.hpp"

using namespace tvaer;

namespace {

const model& arriving() {
    static const model m = [] {
        auto sc = ladder_scenario(40);
        sc.people.arrivals_per_month = 0.5;  // open population: replications differ in families
        auto& s3 = sc.tracks[0].states[2];   // places with a queue: the arrays of place waits are held
        s3.capacity = 3;
        s3.when_full = "S2";
        s3.queue = queue_discipline::fifo;
        return compile(sc);
    }();
    return m;
}

results run(std::uint32_t first, std::uint32_t count, bool family_costs) {
    run_options o;
    o.seed = 5;
    o.first_replication = first;
    o.replications = count;
    o.record.family_costs = family_costs;
    return run_replications(arriving(), o);
}

std::vector<std::size_t> shape(const results& r, std::string_view name) {
    for (const auto& a : result_arrays()) {
        if (a.name == name) return shape_of(r, a);
    }
    throw std::invalid_argument("no array");
}

}  // namespace

TEST_CASE("results: the table's shapes are the documented ones", "[results]") {
    const auto r = run(0, 2, true);
    const auto& m = arriving();
    std::size_t families = 0;
    for (const auto c : r.family_counts) families += c;
    CHECK(families > 80);  // 40 at the start in each of 4 blocks, plus arrivals
    CHECK(shape(r, "costs") == std::vector<std::size_t>{2, 2, m.lines.size(), m.months});
    CHECK(shape(r, "occupancy") == std::vector<std::size_t>{2, 2, m.occupancy_rows.size(), m.months});
    CHECK(shape(r, "transitions") == std::vector<std::size_t>{2, 2, m.months, m.transition_rows.size()});
    CHECK(shape(r, "queue") == std::vector<std::size_t>{2, 2, m.interventions.size(), m.months});
    CHECK(shape(r, "events") == std::vector<std::size_t>{2, 2});
    CHECK(shape(r, "family_cost") == std::vector<std::size_t>{families, (m.months + 11) / 12, m.budgets.size(), 2});
    CHECK(shape(r, "family_candidate") == std::vector<std::size_t>{families});
    // Every array the results hold has exactly the elements its shape says.
    for (const auto& a : result_arrays()) {
        INFO(a.name);
        std::size_t n = 1;
        for (const auto d : shape_of(r, a)) n *= d;
        std::visit([&](const auto& c) { CHECK((r.*c.data).size() == n); }, a.column);
    }
}

TEST_CASE("results: the arrays of place queues are held only when some state has a queue", "[results]") {
    run_options o;
    o.replications = 1;
    const auto queued = run_replications(arriving(), o);
    CHECK(queued.holds("placed_ordinary"));
    CHECK(queued.holds("place_wait_months_solution"));
    const auto plain = run_replications(compile(ladder_scenario(20)), o);
    CHECK_FALSE(plain.holds("placed_ordinary"));
    CHECK_FALSE(plain.holds("place_wait_months_solution"));
    CHECK(plain.placed_ordinary.empty());
}

TEST_CASE("results: the per-family arrays are held only when recorded", "[results]") {
    const auto plain = run(0, 1, false);
    CHECK(plain.holds("costs"));
    CHECK_FALSE(plain.holds("family_cost"));
    CHECK_FALSE(plain.holds("family_count"));
    CHECK_FALSE(plain.holds("no_such_array"));
    CHECK(run(0, 1, true).holds("family_cost"));
}

TEST_CASE("results: appending follows the table, and an array held on one side only is refused", "[results]") {
    auto head = run(0, 1, true);
    head.append(run(1, 2, true));
    const auto whole = run(0, 3, true);
    for (const auto& a : result_arrays()) {
        INFO(a.name);
        std::visit([&](const auto& c) { CHECK(head.*c.data == whole.*c.data); }, a.column);
    }
    CHECK(head.family_offsets == whole.family_offsets);

    auto lacking = run(3, 1, true);
    lacking.absent = {"queue"};  // as an optional array read from an older file would be
    REQUIRE_THROWS_WITH(head.append(lacking),
                        "results.append: array 'queue' is recorded in these results but not in the other");
}
