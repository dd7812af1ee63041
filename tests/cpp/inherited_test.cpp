// selection.inherited (simulation_selection.cpp): the caseworkers' own cases that take a share of
// the places at the start and are swapped out for families that meet the criteria (Helsingør,
// report L2652-2664, L5838-5848): a tiny scenario walked by hand, the expected number inside
// against its closed form, the errors and the analytic mode's refusal.
#include <catch2/catch.hpp>
#include <cmath>

#include "builders.hpp"
#include "tvaer/analytic.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"

using namespace tvaer;
using namespace tvaer::test;

namespace {

// Families (builders.hpp, families_of): eligible with both sectors (min_sectors 2), ranked by
// cost; 4 places, half of them inherited with a child case, kept for 6 months.
scenario families(const std::vector<adult_and_children>& fs) {
    scenario sc = families_of(fs);
    sc.select.min_sectors = 2;
    sc.select.capacity = 4;
    sc.select.inherited = selection::inherited_cases{0.5, {"children"}, sojourn::fixed(6.0)};
    return sc;
}

// F0 50k + child, F1 40k + child (eligible); F2, F3 a child case only (the caseworkers' own);
// F4 an employment case only (no child case: not a children's caseworker's case); F5 20k +
// child (eligible, ranked after F0 and F1).
const std::vector<adult_and_children> six{{50e3, 1}, {40e3, 1}, {0.0, 1}, {0.0, 1}, {30e3, 0}, {20e3, 1}};

arm_result run(const scenario& sc) {
    return simulate_arm(compile(sc), 1, 0, arm::solution, {.family_costs = true});
}

}  // namespace

TEST_CASE("inherited cases take their share of the places at the start and give them up after their stay",
          "[selection][inherited]") {
    // 4 places x 0.5 = 2 inherited: F2 and F3, the only families with a child case that are not
    // eligible. The other 2 places go down the waiting list by cost: F0, F1; F5 waits. At month 6
    // F2 and F3 are swapped out: F5 takes one place, the other stays free (nobody else waits).
    scenario sc = families(six);
    const arm_result a = run(sc);
    CHECK(a.family_admitted == std::vector<std::int32_t>{0, 0, 0, 0, -1, 6});
    CHECK(a.admitted == 5);
    const std::size_t row = compile(sc).solution_families_row;
    for (std::size_t mo = 0; mo < 6; ++mo) CHECK(a.occupancy.at(row, mo) == Approx(4.0));
    for (std::size_t mo = 6; mo < 12; ++mo) CHECK(a.occupancy.at(row, mo) == Approx(3.0));

    // Without the key: F0, F1, F5 (the eligible ones) from the start, one place free.
    sc.select.inherited.reset();
    CHECK(run(sc).family_admitted == std::vector<std::int32_t>{0, 0, -1, -1, -1, 0});
}

TEST_CASE("with no sectors named, any family with a case that is not eligible can be inherited", "[selection][inherited]") {
    // F2, F3 and F4 (employment only) are the pool; two of them are drawn, the third never enters.
    scenario sc = families(six);
    sc.select.inherited->sectors.clear();
    const arm_result a = run(sc);
    const auto& adm = a.family_admitted;
    CHECK((adm[0] == 0 && adm[1] == 0 && adm[5] == 6));
    CHECK((adm[2] == 0) + (adm[3] == 0) + (adm[4] == 0) == 2);
    CHECK((adm[2] == -1) + (adm[3] == -1) + (adm[4] == -1) == 1);
}

TEST_CASE("an inherited family that has come to meet the criteria keeps its place", "[selection][inherited]") {
    // F3's adult gets an employment case at month 3 (a fixed 3 months in a state with no sector,
    // then one with a cost): at its swap at month 6 F3 has both cases and stays; only F2's place
    // goes to F5, so 4 families are inside throughout.
    scenario sc = families(six);
    auto& adult = sc.tracks[0];
    adult.states[3].duration = sojourn::fixed(3.0);
    adult.states[3].transitions = {transition{"s4", 0.0, 1.0}};  // s4: 30k a month in employment
    const arm_result a = run(sc);
    CHECK(a.family_admitted == std::vector<std::int32_t>{0, 0, 0, 0, -1, 6});
    const std::size_t row = compile(sc).solution_families_row;
    for (std::size_t mo = 0; mo < 12; ++mo) CHECK(a.occupancy.at(row, mo) == Approx(4.0));
}

TEST_CASE("inherited families inside follow n exp(-t/m) when nobody replaces them", "[selection][inherited]") {
    // 40 families with a child case only, none eligible; 20 places x 0.5 = 10 inherited, each
    // kept an exponential time with mean m = 6 months, nobody leaves the population. Expected
    // family-months inside in month k: 10 x m x (exp(-k/m) - exp(-(k+1)/m)).
    scenario sc = families(std::vector<adult_and_children>(40, {0.0, 1}));
    sc.select.capacity = 20;
    sc.select.inherited->stay = sojourn::exponential(1.0 / 6.0);
    const model m = compile(sc);
    const int reps = 400;
    for (std::size_t mo : {0u, 3u, 8u}) {
        std::vector<double> v;
        for (int r = 0; r < reps; ++r) v.push_back(simulate_arm(m, 7, r, arm::solution).occupancy.at(m.solution_families_row, mo));
        const double k = static_cast<double>(mo);
        const double expected = 10.0 * 6.0 * (std::exp(-k / 6.0) - std::exp(-(k + 1.0) / 6.0));
        INFO("month " << mo);
        CHECK(std::abs(mean(v) - expected) < 4.0 * standard_error(v) + 1e-9);
    }
    CHECK(simulate_arm(m, 7, 0, arm::solution).admitted == 10);
}

TEST_CASE("inherited cases leave business as usual as it was", "[selection][inherited]") {
    scenario sc = families(six);
    const arm_result with = simulate_arm(compile(sc), 3, 0, arm::bau);
    sc.select.inherited.reset();
    const arm_result without = simulate_arm(compile(sc), 3, 0, arm::bau);
    CHECK(with.costs.totals() == without.costs.totals());
}

TEST_CASE("bad inherited cases are named by their key path - the analytic mode refuses them by name",
          "[selection][inherited][scenario]") {
    scenario sc = families(six);
    sc.select.inherited->share = 1.5;
    REQUIRE_THROWS_WITH(sc.validate(), "selection.inherited.share: must be a share in [0, 1], got 1.5");
    sc.select.inherited->share = 0.5;
    sc.select.inherited->sectors = {"schools"};
    REQUIRE_THROWS_WITH(sc.validate(), "selection.inherited.sectors[0]: unknown sector 'schools' (known: employment, children)");
    sc.select.inherited->sectors = {"children"};
    sc.select.capacity = 0;
    REQUIRE_THROWS_WITH(sc.validate(), "selection.inherited: needs a number of places to take a share of (selection.capacity or "
                                       "capacity_by_year), got unlimited places");
    sc.select.capacity = 4;
    CHECK_NOTHROW(sc.validate());
    sc = single_state({"employment"}, {cost("employment", 100.0)});  // generated families
    sc.select.capacity = 5;
    CHECK_NOTHROW(require_analytic_support(compile(sc), treatment::solution));
    sc.select.inherited = selection::inherited_cases{0.5, {}, sojourn::fixed(6.0)};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution),
                        "analytic mode: selection.inherited is set (the caseworkers' own cases at the start); the analytic "
                        "mode puts every family inside the solution from t = 0");
    CHECK_NOTHROW(require_analytic_support(compile(sc), treatment::usual));
}
