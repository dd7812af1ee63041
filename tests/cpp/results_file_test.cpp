#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <fmt/format.h>
#include <filesystem>
#include <random>
#include <regex>
#include <variant>

#include "builders.hpp"
#include "tvaer/error.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/results_file.hpp"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {

using tvaer::test::scratch_dir;

const tvaer::model& ladder() {
    static const tvaer::model m = tvaer::compile(tvaer::ladder_scenario(50));
    return m;
}

tvaer::results run_on(const tvaer::model& m, std::uint32_t first, std::uint32_t count, std::uint64_t seed,
                      bool family_costs) {
    tvaer::run_options o;
    o.seed = seed;
    o.first_replication = first;
    o.replications = count;
    o.record.family_costs = family_costs;
    return tvaer::run_replications(m, o);
}

tvaer::results run(std::uint32_t first, std::uint32_t count, std::uint64_t seed = 11, bool family_costs = false) {
    return run_on(ladder(), first, count, seed, family_costs);
}

// A model with open arrivals, so that the replications hold different numbers of families.
const tvaer::model& arriving() {
    static const tvaer::model m = [] {
        auto sc = tvaer::ladder_scenario(40);
        sc.people.arrivals_per_month = 0.5;
        sc.select.min_sectors = 1;  // families enter the solution, so the arms differ
        sc.select.capacity = 10;
        auto& s3 = sc.tracks[0].states[2];  // places with a queue, so that the arrays of place waits are held
        s3.capacity = 3;
        s3.when_full = "S2";
        s3.queue = tvaer::queue_discipline::fifo;
        return tvaer::compile(sc);
    }();
    return m;
}

tvaer::results run_families(std::uint32_t first, std::uint32_t count) { return run_on(arriving(), first, count, 5, true); }

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

/// Every field of two results objects, arrays compared bit for bit.
void require_identical(const tvaer::results& a, const tvaer::results& b) {
    REQUIRE(a.seed == b.seed);
    REQUIRE(a.first_replication == b.first_replication);
    REQUIRE(a.replications == b.replications);
    REQUIRE(a.months == b.months);
    REQUIRE(a.budgets == b.budgets);
    REQUIRE(a.line_sources == b.line_sources);
    REQUIRE(a.occupancy_rows == b.occupancy_rows);
    REQUIRE(a.transition_rows == b.transition_rows);
    REQUIRE(a.interventions == b.interventions);
    CHECK(same_bits(a.costs, b.costs));
    CHECK(same_bits(a.occupancy, b.occupancy));
    CHECK(same_bits(a.queue, b.queue));
    CHECK(same_bits(a.transitions, b.transitions));
    CHECK(same_bits(a.requests, b.requests));
    CHECK(same_bits(a.starts, b.starts));
    CHECK(same_bits(a.dropped, b.dropped));
    CHECK(same_bits(a.wait_months, b.wait_months));
    CHECK(same_bits(a.events, b.events));
    CHECK(same_bits(a.admitted, b.admitted));
    REQUIRE(a.has_family_costs == b.has_family_costs);
    CHECK(a.family_counts == b.family_counts);
    CHECK(a.family_offsets == b.family_offsets);
    CHECK(same_bits(a.family_costs, b.family_costs));
    CHECK(a.family_admitted == b.family_admitted);
    CHECK(a.family_candidate == b.family_candidate);
}

void require_same_lines(const std::vector<tvaer::ledger_line>& a, const std::vector<tvaer::ledger_line>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].source == b[i].source);
        CHECK(a[i].source_kind == b[i].source_kind);
        CHECK(a[i].law_sector == b[i].law_sector);
        CHECK(a[i].payer == b[i].payer);
        CHECK(a[i].kind == b[i].kind);
        CHECK(a[i].cpr_registered == b[i].cpr_registered);
        CHECK(a[i].group == b[i].group);
        CHECK(a[i].inside_unit_budget == b[i].inside_unit_budget);
        CHECK(a[i].benefit == b[i].benefit);
        CHECK(a[i].granted_by == b[i].granted_by);
    }
}

tvaer::provenance sample_provenance() {
    auto p = tvaer::make_provenance(ladder(), "name = \"ladder\"\nfamilies = 50\n", "abc1234");
    p.created = "2024-05-01T12:00:00Z";
    return p;
}

const std::string data_dir = TVAER_TEST_DATA;

}  // namespace

TEST_CASE("a results file reads back bit for bit, with its provenance", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("run.h5");
    const auto r = run(0, 3);
    REQUIRE(r.replications == 3);
    tvaer::write_results(path, r, sample_provenance());

    require_identical(tvaer::read_results(path), r);
    const auto p = tvaer::read_provenance(path);
    CHECK(p.schema_version == 1);
    CHECK(p.engine_version == TVAER_VERSION);
    CHECK(p.git_revision == "abc1234");
    CHECK(p.created == "2024-05-01T12:00:00Z");
    CHECK(p.scenario_name == "ladder");
    CHECK(p.scenario_text == "name = \"ladder\"\nfamilies = 50\n");
    require_same_lines(p.lines, ladder().lines);
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("the writer stamps an ISO 8601 UTC creation time and omits absent line metadata", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("stamped.h5");
    tvaer::provenance p;
    p.scenario_name = "ladder";
    tvaer::write_results(path, run(4, 1), p);
    const auto back = tvaer::read_provenance(path);
    CHECK(std::regex_match(back.created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    CHECK(back.git_revision == "unknown");
    CHECK(back.lines.empty());
    CHECK(tvaer::read_results(path).first_replication == 4);
}

TEST_CASE("appending to a file equals one longer run bit for bit", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("grow.h5");
    tvaer::write_results(path, run(0, 2), sample_provenance());
    tvaer::append_results(path, run(2, 1));
    tvaer::append_results(path, run(3, 3));
    require_identical(tvaer::read_results(path), run(0, 6));
    CHECK(tvaer::read_provenance(path).git_revision == "abc1234");
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a file started with no replications can be resumed", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("empty.h5");
    tvaer::write_results(path, tvaer::make_results(ladder(), 11, 0), sample_provenance());
    CHECK(tvaer::read_results(path).replications == 0);
    tvaer::append_results(path, run(0, 2));
    require_identical(tvaer::read_results(path), run(0, 2));
}

TEST_CASE("appending results that do not follow on is refused and leaves the file as it was", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("gap.h5");
    const auto first = run(0, 2);
    tvaer::write_results(path, first, sample_provenance());

    SECTION("a gap in the replications") {
        REQUIRE_THROWS_AS(tvaer::append_results(path, run(3, 1)), tvaer::file_error);
        REQUIRE_THROWS_WITH(tvaer::append_results(path, run(3, 1)),
                            Contains("results file " + path) &&
                                Contains("cannot append: results.append: replications must follow on: "
                                         "expected first replication 2, got 3"));
    }
    SECTION("another seed") {
        REQUIRE_THROWS_WITH(tvaer::append_results(path, run(2, 1, 12)),
                            Contains("results file " + path) && Contains("different scenario or seed"));
    }
    SECTION("a malformed array fails midway") {
        auto more = run(2, 1);
        more.admitted.pop_back();
        REQUIRE_THROWS_AS(tvaer::append_results(path, more), std::invalid_argument);
        REQUIRE_THROWS_WITH(tvaer::append_results(path, more),
                            Contains("dataset 'admitted': expected 2 values for shape [1, 2], got 1"));
    }
    require_identical(tvaer::read_results(path), first);
    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK_FALSE(fs::exists(path + ".journal"));  // the failed append was rolled back
}

TEST_CASE("per-family costs are written, read back and appended bit for bit", "[results_file][family]") {
    const scratch_dir tmp;
    const auto whole = run_families(0, 4);
    REQUIRE(whole.has_family_costs);
    REQUIRE(whole.family_counts.size() == 8);
    CHECK(whole.family_counts[0] != whole.family_counts[2]);  // arrivals differ by replication

    const auto path = tmp.file("families.h5");
    tvaer::write_results(path, whole, sample_provenance());
    require_identical(tvaer::read_results(path), whole);

    const auto grown = tmp.file("grown.h5");
    tvaer::write_results(grown, run_families(0, 1), sample_provenance());
    tvaer::append_results(grown, run_families(1, 3));
    require_identical(tvaer::read_results(grown), whole);

    const auto resumed = tmp.file("resumed.h5");  // a run into a file started with no replications
    auto empty = tvaer::make_results(arriving(), 5, 0);
    tvaer::write_results(resumed, empty, sample_provenance());
    tvaer::append_results(resumed, run_families(0, 2));
    tvaer::append_results(resumed, run_families(2, 2));
    require_identical(tvaer::read_results(resumed), whole);

    // Files without per-family costs hold none, and the two kinds do not mix.
    const auto plain = tmp.file("plain.h5");
    tvaer::write_results(plain, run(0, 1), sample_provenance());
    CHECK_FALSE(tvaer::read_results(plain).has_family_costs);
    REQUIRE_THROWS_WITH(tvaer::append_results(plain, run(1, 1, 11, true)),
                        Contains("results file " + plain +
                                 ": cannot append: per-family costs are recorded in the appended results but not in the file"));
    const auto without = run_on(arriving(), 4, 1, 5, false);  // replication 4, without per-family costs
    REQUIRE_THROWS_WITH(tvaer::append_results(path, without),
                        Contains("per-family costs are recorded in the file but not in the appended results"));
    require_identical(tvaer::read_results(path), whole);
}

TEST_CASE("a failed write removes its temporary file and keeps the old file", "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("old.h5");
    const auto old = run(0, 1);
    tvaer::write_results(path, old, sample_provenance());
    auto bad = run(0, 2);
    bad.events.resize(3);  // 2 replications x 2 arms need 4
    REQUIRE_THROWS_WITH(tvaer::write_results(path, bad, sample_provenance()),
                        Contains("results file " + path + ": dataset 'events': expected 4 values for shape [2, 2], got 3"));
    CHECK_FALSE(fs::exists(path + ".tmp"));
    require_identical(tvaer::read_results(path), old);
}

TEST_CASE("a second writer of the same file is refused and touches neither the file nor the first writer's",
          "[results_file]") {
    const scratch_dir tmp;
    const auto path = tmp.file("busy.h5");
    const auto old = run(0, 1);
    tvaer::write_results(path, old, sample_provenance());
    // Another process is writing: it holds the lock and has a temporary file in progress.
    const int other = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(other >= 0);
    REQUIRE(::flock(other, LOCK_EX | LOCK_NB) == 0);
    { std::ofstream(path + ".tmp") << "the other writer's work"; }
    // flock locks belong to the open file: a second open of the lock file cannot take it either.
    REQUIRE_THROWS_WITH(tvaer::write_results(path, run(0, 2), sample_provenance()),
                        "results file " + path + ": another process is writing it (it holds " + path +
                            ".lock); wait for that run to end or write to another file");
    REQUIRE_THROWS_WITH(tvaer::append_results(path, run(1, 1)), Contains("another process is writing it"));
    std::ifstream in(path + ".tmp");
    std::string content;
    std::getline(in, content);
    CHECK(content == "the other writer's work");
    require_identical(tvaer::read_results(path), old);
    ::close(other);
    // Once the other writer is gone, writing works and leaves no lock file behind.
    fs::remove(path + ".tmp");
    tvaer::append_results(path, run(1, 1));
    CHECK(tvaer::read_results(path).replications == 2u);
    CHECK_FALSE(fs::exists(path + ".lock"));
}

TEST_CASE("results file errors name the file and what is wrong", "[results_file]") {
    SECTION("a directory that does not exist") {
        const std::string path = "/nonexistent-tvaer-dir/run.h5";
        REQUIRE_THROWS_AS(tvaer::write_results(path, run(0, 1), {}), tvaer::file_error);
        REQUIRE_THROWS_WITH(tvaer::write_results(path, run(0, 1), {}),
                            Contains("results file /nonexistent-tvaer-dir/run.h5: cannot create "
                                     "/nonexistent-tvaer-dir/run.h5.lock: No such file or directory"));
        CHECK_FALSE(fs::exists(path + ".tmp"));
    }
    SECTION("a file that does not exist") {
        REQUIRE_THROWS_WITH(tvaer::read_results("/nonexistent-tvaer-dir/run.h5"),
                            Contains("results file /nonexistent-tvaer-dir/run.h5: cannot open"));
        const scratch_dir dir;
        const auto missing = dir.file("missing.h5");
        REQUIRE_THROWS_WITH(tvaer::append_results(missing, run(0, 1)), Contains("results file " + missing + ": cannot open it: No such file or directory"));
    }
    SECTION("a schema version newer than the reader's") {
        const auto path = data_dir + "/results-v999.h5";
        REQUIRE_THROWS_AS(tvaer::read_results(path), tvaer::file_error);
        REQUIRE_THROWS_WITH(tvaer::read_results(path),
                            Contains("results file " + path + ": schema version 999 is newer than this tvaer reads (1)"));
        REQUIRE_THROWS_WITH(tvaer::read_provenance(path), Contains("schema version 999 is newer"));
    }
    SECTION("a missing dataset") {
        const auto path = data_dir + "/results-v1-no-costs.h5";
        REQUIRE_THROWS_WITH(tvaer::read_results(path), Contains("results file " + path + ": dataset 'costs' is missing"));
    }
    SECTION("line metadata that does not fit the results") {
        const scratch_dir tmp;
        auto p = sample_provenance();
        p.lines.pop_back();
        const auto r = run(0, 1);
        REQUIRE_THROWS_WITH(tvaer::write_results(tmp.file("unused.h5"), r, p),
                            Contains(fmt::format("provenance.lines: {} lines for {} results lines", r.line_sources.size() - 1,
                                                 r.line_sources.size())));
    }
}

TEST_CASE("the schema version 1 sample file still loads", "[results_file]") {
    // tests/data/results-v1.h5: the ladder model, 20 families, seed 2024, replications 0 and 1.
    const auto path = data_dir + "/results-v1.h5";
    const auto r = tvaer::read_results(path);
    const auto p = tvaer::read_provenance(path);
    CHECK(p.schema_version == 1);
    CHECK(p.scenario_name == "ladder");
    CHECK(r.seed == 2024);
    CHECK(r.first_replication == 0);
    CHECK(r.replications == 2);
    CHECK(r.months == 120);
    REQUIRE_FALSE(r.line_sources.empty());
    CHECK(r.costs.size() == 2 * 2 * r.line_sources.size() * 120);
    CHECK(r.events.size() == 4);
    CHECK(p.lines.size() == r.line_sources.size());
    for (const auto e : r.events) CHECK(e > 0);
}

// Writes tests/data/results-v<schema>.h5; hidden, run by hand when the schema version changes:
//   build/<dir>/tests/cpp/tvaer_tests "[.write_sample_results]"
TEST_CASE("write the sample results file of this schema version", "[.write_sample_results]") {
    tvaer::run_options o;
    o.seed = 2024;
    o.replications = 2;
    const auto m = tvaer::compile(tvaer::ladder_scenario(20));
    auto p = tvaer::make_provenance(m, "# tvaer::ladder_scenario(20), built in code (reference.hpp)\n");
    const auto path = fmt::format("{}/results-v{}.h5", data_dir, tvaer::results_schema_version);
    tvaer::write_results(path, tvaer::run_replications(m, o), p);
    CHECK(fs::file_size(path) < 200 * 1024);
}

TEST_CASE("every array of the table is written and read back bit for bit", "[results_file][table]") {
    const scratch_dir tmp;
    const auto path = tmp.file("table.h5");
    const auto whole = run_families(0, 3);
    tvaer::write_results(path, whole, sample_provenance());
    const auto back = tvaer::read_results(path);
    std::size_t arrays = 0;
    for (const auto& a : tvaer::result_arrays()) {
        INFO(a.name);
        REQUIRE(whole.holds(a.name));
        REQUIRE(back.holds(a.name));
        std::visit([&](const auto& c) { CHECK(same_bits(back.*c.data, whole.*c.data)); }, a.column);
        ++arrays;
    }
    // The ten arrays of docs/results-format.md, the twelve split by group (redirected_* among them),
    // the four of place queues and the four per-family ones.
    CHECK(arrays == 30);
}

TEST_CASE("a file written before the per-family output reads with those arrays absent", "[results_file][table]") {
    const auto r = tvaer::read_results(data_dir + "/results-v1.h5");
    CHECK(r.holds("costs"));
    CHECK(r.holds("admitted"));
    CHECK_FALSE(r.has_family_costs);
    for (const char* name : {"family_count", "family_cost", "family_admitted", "family_candidate"}) {
        INFO(name);
        CHECK_FALSE(r.holds(name));
    }
    CHECK(r.family_costs.empty());
    CHECK(r.family_offsets.empty());
    for (const char* name : {"starts_ordinary", "starts_solution", "decision_wait_months_solution"}) {
        INFO(name);  // added later, optional
        CHECK_FALSE(r.holds(name));
    }
}
