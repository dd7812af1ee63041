// Scenario documents read by the engine: values, defaults, and errors that name the file, the
// line and column, and the key path as the planner wrote it (or the override that wrote it).
#include "tvaer/document.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/replications.hpp"
#include "tvaer/scenario.hpp"
#include "tvaer/simulation.hpp"

using namespace tvaer;
using Catch::Contains;
using Catch::Equals;

namespace {

// A small scenario as a planner writes it; line numbers below refer to this text.
const std::string small_toml = R"(schema_version = 1
name = "small"
horizon_months = 24
sectors = ["employment", "children"]
families = 30

[[tracks]]
name = "adult"
members = [0.0, 1.0]
initial = { out = 1.0 }
benefits = { uddannelseshjaelp = 0.25, kontanthjaelp = 0.75 }

[[tracks.states]]
name = "out"
transitions = [{ to = "job", rate = 0.05 }]
costs = [{ sector = "employment", kind = "transfer", monthly = 10000 }]

[[tracks.states]]
name = "job"
transitions = [{ to = "out", rate = 0.02 }]

[[interventions]]
name = "coach"
track = "adult"
request_on_entry = ["out"]
duration = { distribution = "fixed", months = 6 }
capacity = 5
costs = [{ sector = "employment", monthly = 3000 }]
)";

document small() { return document::parse(small_toml, "small.toml"); }

// Reads `text` (the small scenario with one line replaced) and returns the error message.
std::string error_of(const std::string& from, const std::string& to) {
    std::string text = small_toml;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    try {
        (void)read_scenario(document::parse(text, "small.toml"));
    } catch (const scenario_error& e) {
        return e.what();
    }
    FAIL("no error for " << to);
    return {};
}

}  // namespace

TEST_CASE("document: a scenario file reads into the values written, defaults elsewhere", "[document]") {
    const scenario sc = read_scenario(small());
    CHECK(sc.name == "small");
    CHECK(sc.horizon_months == 24.0);
    CHECK(sc.families == 30u);
    REQUIRE(sc.tracks.size() == 1);
    const track& t = sc.tracks[0];
    CHECK(t.initial == std::vector<double>{1.0, 0.0});
    // Benefit types in the order written (their index decides which draw gives which type).
    CHECK(t.benefits == std::vector<std::string>{"uddannelseshjaelp", "kontanthjaelp"});
    CHECK(t.benefit_shares == std::vector<double>{0.25, 0.75});
    CHECK(t.states[0].costs[0].kind == cost_kind::transfer);
    CHECK(t.states[1].transitions[0].rate == 0.02);
    const intervention& iv = sc.interventions[0];
    CHECK(iv.capacity == 5u);
    CHECK(iv.duration.kind == sojourn_kind::fixed);
    CHECK(iv.duration.a == 6.0);
    // Defaults of keys not written (docs/scenario-format.md).
    CHECK(iv.effects.empty());
    CHECK(iv.grants == authority::sector);
    CHECK(sc.select.min_sectors == 2u);
    CHECK(sc.org.salary_per_fte_year == 580000.0);
    CHECK_FALSE(sc.refusion.enabled());
}

TEST_CASE("document: a value error names file, line, column and the key path by names", "[document]") {
    // "rate = 0.02" of state job is on line 20, its value in column 37; capacity is on line 27.
    CHECK_THAT(error_of("rate = 0.02", "rate = -0.02"),
               Equals("small.toml:20:37: tracks.adult.states.job.transitions[0].rate: must be >= 0 and finite, got -0.02"));
    CHECK_THAT(error_of("capacity = 5", "capacity = -5"),
               Equals("small.toml:27:12: interventions.coach.capacity: must be an integer in [0, 4294967295], got -5"));
    CHECK_THAT(error_of("capacity = 5", "capacity = 4294967296"),
               Contains("interventions.coach.capacity: must be an integer in [0, 4294967295], got 4294967296"));
    CHECK_THAT(error_of("capacity = 5", "capacity = \"five\""),
               Equals("small.toml:27:12: interventions.coach.capacity: must be an integer in [0, 4294967295], got string \"five\""));
    CHECK_THAT(error_of("sector = \"employment\", monthly = 3000", "sector = \"schools\", monthly = 3000"),
               Contains("interventions.coach.costs[0].sector: unknown sector 'schools' (known: employment, children)"));
    CHECK_THAT(error_of("months = 6", "months = 6, mean = 2"),
               Contains("interventions.coach.duration.mean: unknown key (expected one of: distribution, months)"));
}

TEST_CASE("document: an unknown key is reported before the required key it was meant to be", "[document]") {
    const std::string typo = error_of("horizon_months = 24", "horizon_month = 24");
    CHECK_THAT(typo, Contains("small.toml:3:"));
    CHECK_THAT(typo, Contains("horizon_month: unknown key (did you mean 'horizon_months'? expected one of: "));
    CHECK_THAT(error_of("horizon_months = 24\n", ""), Contains("horizon_months: is required (a number)"));
    CHECK_THAT(error_of("kind = \"transfer\"", "kind = \"tranfer\""),
               Contains("tracks.adult.states.out.costs[0].kind: must be one of service, transfer; got 'tranfer' (did you mean 'transfer'?)"));
}

TEST_CASE("document: start_year is a calendar year, for the report's labels only", "[document]") {
    // Line 3 is horizon_months: the year written after it is on line 4, its value in column 14.
    CHECK_THAT(error_of("horizon_months = 24\n", "horizon_months = 24\nstart_year = 27\n"),
               Equals("small.toml:4:14: start_year: must be a calendar year in [1900, 2200], got 27"));
    CHECK_THAT(error_of("horizon_months = 24\n", "horizon_months = 24\nstart_year = \"2027\"\n"),
               Contains("start_year: must be an integer in [0, 4294967295], got string \"2027\""));
    std::string text = small_toml;
    text.replace(text.find("horizon_months = 24\n"), 20, "horizon_months = 24\nstart_year = 2027\n");
    const scenario with_year = read_scenario(document::parse(text, "small.toml"));
    CHECK(with_year.horizon_months == 24.0);
}

TEST_CASE("document: malformed TOML and values the engine cannot hold", "[document]") {
    CHECK_THAT(error_of("families = 30", "families = = 30"), Contains("small.toml:5:"));
    CHECK_THAT(error_of("families = 30", "families = = 30"), Contains("not valid TOML"));
    CHECK_THAT(error_of("families = 30", "families = 99999999999999999999"), Contains("not valid TOML"));
    CHECK_THAT(error_of("families = 30", "families = " + std::string(300, '[') + std::string(300, ']')),
               Contains("not valid TOML"));
    CHECK_THAT(error_of("name = \"small\"", "name = \"a\\u0000b\""), Contains("name: must not contain a NUL character"));
    CHECK_THAT(error_of("families = 30", "families = 30.5"),
               Contains("families: must be an integer in [0, 4294967295], got number 30.5"));
    REQUIRE_THROWS_WITH(document::load("/nonexistent/x.toml"), Contains("/nonexistent/x.toml: cannot read the scenario file"));
}

TEST_CASE("document: a bad value set by an override names the override, not the file", "[document]") {
    document d = small();
    d.set("interventions.coach.capacity", "v = -1");
    REQUIRE_THROWS_WITH(read_scenario(d), Equals("small.toml (override 'interventions.coach.capacity'): "
                                                 "interventions.coach.capacity: must be an integer in [0, 4294967295], got -1"));
    document d2 = small();
    d2.set("tracks.adult.states.job.transitions.0.rate", "v = -1.5");  // an index as a dotted part
    REQUIRE_THROWS_WITH(read_scenario(d2), Contains("(override 'tracks.adult.states.job.transitions.0.rate'): "
                                                    "tracks.adult.states.job.transitions[0].rate: must be >= 0"));
    // A check on the whole table an override changed names the override too.
    document d3 = small();
    d3.set("tracks.adult.initial.job", "v = 0.5");
    REQUIRE_THROWS_WITH(read_scenario(d3), Equals("small.toml (override 'tracks.adult.initial.job'): tracks.adult.initial: "
                                                  "shares must sum to 1, got 1.5"));
    // An error elsewhere still names the file's line.
    document d4 = small();
    d4.set("families", "v = 10");
    d4.set("selection.min_sectors", "v = 1");
    REQUIRE_NOTHROW(read_scenario(d4));
    REQUIRE_THROWS_WITH(small().set("interventions.nobody.capacity", "v = 1"),
                        Equals("small.toml (override 'interventions.nobody.capacity'): interventions.nobody: "
                               "no item 'nobody' in this list (give an index or a name)"));
}

TEST_CASE("document: locate gives the line and column of a value, of its table when missing, or its override",
          "[document]") {
    const std::string text = "name = \"x\"\n"                                   // line 1
                             "[selection]\n"                                     // line 2
                             "  min_sectors = 3\n"                               // line 3: the value in column 17
                             "[uncertain]\n"                                     // line 4
                             "\"interventions.coach.capacity\" = { low = 1, high = 2 }\n";  // line 5: { in column 34
    document d = document::parse(text, "w.toml");
    const origin at = d.locate("selection.min_sectors");
    CHECK(at.describe() == "w.toml:3:17");
    CHECK(at.line == 3);
    CHECK(at.column == 17);
    CHECK(d.locate("selection.capacity").describe() == "w.toml:2:1");  // missing: its table, [selection]
    CHECK(d.locate("uncertain.\"interventions.coach.capacity\"").describe() == "w.toml:5:34");  // a quoted key
    d.set("selection.min_sectors", "v = 4");
    CHECK(d.locate("selection.min_sectors").describe() == "w.toml (override 'selection.min_sectors')");
    // Text generated from data has no meaningful positions: the file only.
    CHECK(document::parse(text, "w.toml", false).locate("selection.min_sectors").describe() == "w.toml");
}

TEST_CASE("document: overrides set values, make tables, and JSON keeps the written order", "[document]") {
    document d = small();
    d.set("selection.capacity", "v = 9");
    d.set("tracks.adult.states[1].transitions[0].rate", "v = 0.5");
    const scenario sc = read_scenario(d);
    CHECK(sc.select.capacity == 9u);
    CHECK(sc.tracks[0].states[1].transitions[0].rate == 0.5);
    const std::string json = d.to_json();
    CHECK_THAT(json, Contains(R"("benefits": {"uddannelseshjaelp": 0.25, "kontanthjaelp": 0.75})"));
    CHECK_THAT(json, Contains(R"("selection": {"capacity": 9})"));
    CHECK(d.to_json("tracks.adult.states.out.costs[0].monthly") == "10000");
    CHECK(d.to_json("horizon_months") == "24");
    REQUIRE_THROWS_WITH(d.to_json("selection.nothing"), "selection.nothing: the scenario has no value at this key path");
}

TEST_CASE("document: the engine loads and runs every shipped scenario file without Python", "[document]") {
    for (const char* name : {"default", "furesoe"}) {
        document d = document::load(std::string(TVAER_TEST_DATA) + "/../../scenarios/" + name + ".toml");
        d.set("families", "v = 50");
        const model m = compile(d);
        run_options o;
        o.replications = 2;
        const results r = run_replications(m, o);
        CHECK(r.replications == 2u);
        double total = 0.0;
        for (double c : r.costs) total += c;
        CHECK(total > 0.0);
    }
}

// ---- organisation.form presets (docs/model.md "Network versus unit") -------------------------

namespace {

// The small scenario with every family inside the solution, the organisation's form and the
// overrides `sets` (key path, TOML value).
model organised(const std::string& form, const std::vector<std::pair<std::string, std::string>>& sets = {}) {
    document d = small();
    d.set("families", "v = 400");
    d.set("selection.min_sectors", "v = 0");
    d.set("organisation.form", "v = \"" + form + "\"");
    for (const auto& [path, value] : sets) d.set(path, "v = " + value);
    return compile(d);
}

// Whether two runs produced the same numbers, bit for bit, in every array of both arms.
void require_identical(const model& a, const model& b) {
    for (arm g : {arm::bau, arm::solution}) {
        const arm_result x = simulate_arm(a, 11, 0, g);
        const arm_result y = simulate_arm(b, 11, 0, g);
        CHECK(x.costs.totals() == y.costs.totals());
        CHECK(x.occupancy.totals() == y.occupancy.totals());
        CHECK(x.queue.totals() == y.queue.totals());
        CHECK(x.transitions == y.transitions);
        CHECK(x.starts == y.starts);
        CHECK(x.group_requests == y.group_requests);
        CHECK(x.group_wait_months == y.group_wait_months);
        CHECK(x.group_decision_wait == y.group_decision_wait);
    }
}

const std::string network_meetings =
    R"([{ name = "network_meeting_employment", participants = 1, hours = 2, every_months = 3, sector = "employment" },
        { name = "network_meeting_children", participants = 1, hours = 2, every_months = 3, sector = "children" }])";

}  // namespace

TEST_CASE("document: organisation.form selects a preset - keys in the file win", "[document][organisation]") {
    const model unit = organised("unit");
    CHECK(unit.spec.org.meeting_every == 0.0);
    CHECK(unit.spec.org.coordination.empty());
    const model network = organised("network");
    CHECK(network.spec.org.meeting_every == 3.0);  // report L6315-6318
    CHECK(network.spec.org.forum_every == 1.0);
    REQUIRE(network.spec.org.coordination.size() == 2);  // one meeting per sector
    const coordination_meeting& c = network.spec.org.coordination[1];
    CHECK(c.name == "network_meeting_children");
    CHECK(c.sector == "children");
    CHECK(c.participants * c.hours / c.every_months == Approx(2.0 / 3.0));
    CHECK_FALSE(c.hourly_cost.has_value());
    // A key written in the file wins over the preset; an empty list removes the preset's meetings.
    const model quick = organised("network", {{"organisation.meeting_every", "1"}, {"organisation.coordination", "[]"}});
    CHECK(quick.spec.org.meeting_every == 1.0);
    CHECK(quick.spec.org.coordination.empty());
}

TEST_CASE("document: a unit with the network's mechanisms set explicitly is the network, bit for bit",
          "[document][organisation]") {
    require_identical(organised("unit", {{"organisation.meeting_every", "3"}, {"organisation.coordination", network_meetings}}),
                      organised("network"));
    require_identical(organised("network", {{"organisation.meeting_every", "0"}, {"organisation.coordination", "[]"}}),
                      organised("unit"));
    // With the presets the two differ: network meetings cost salary and delay decisions.
    const arm_result unit = simulate_arm(organised("unit"), 11, 0, arm::solution);
    const model network_model = organised("network");
    const arm_result network = simulate_arm(network_model, 11, 0, arm::solution);
    CHECK(network.costs.totals() != unit.costs.totals());
    double unit_wait = 0.0, network_wait = 0.0, network_decided = 0.0;
    for (std::size_t cell = 0; cell < unit.group_decision_wait.size(); ++cell) {
        unit_wait += unit.group_decision_wait[cell];
        network_wait += network.group_decision_wait[cell];
        network_decided += network.group_requests[cell];
    }
    CHECK(unit_wait == 0.0);
    // Requests at t = 0 and later re-entries, uniform relative to each family's meeting phase.
    CHECK(std::abs(network_wait / network_decided - 1.5) < 4 * 3.0 / std::sqrt(12.0 * network_decided));
    // Two meetings of 2 hours every 3 months at 580,000 kr / 1,924 h per family-month.
    double family_months = 0.0, meetings = 0.0;
    for (std::size_t month = 0; month < network_model.months; ++month) {
        family_months += network.occupancy.at(network_model.solution_families_row, month);
        for (const auto& cc : network_model.coordination) meetings += network.costs.at(cc.line, month);
    }
    CHECK(family_months == Approx(400.0 * 24));
    CHECK(meetings == Approx(2 * 1 * 2.0 / 3.0 * 580000.0 / 1924.0 * 400 * 24).epsilon(1e-12));
}

TEST_CASE("document: bad coordination meetings are named", "[document][organisation]") {
    const auto error_with = [](const std::string& meeting) {
        document d = small();
        d.set("organisation.coordination", "v = [" + meeting + "]");
        try {
            (void)read_scenario(d);
        } catch (const scenario_error& e) {
            return std::string(e.what());
        }
        FAIL("no error for " << meeting);
        return std::string();
    };
    CHECK_THAT(error_with(R"({ name = "m", participants = 2, every_months = 3, sector = "children" })"),
               Contains("organisation.coordination.m.hours: is required (a number)"));
    CHECK_THAT(error_with(R"({ name = "m", participants = 2, hours = 1, every_months = 0, sector = "children" })"),
               Contains("organisation.coordination.m.every_months: must be > 0 and finite, got 0"));
    CHECK_THAT(error_with(R"({ name = "m", participants = 0, hours = 1, every_months = 1, sector = "children" })"),
               Contains("organisation.coordination.m.participants: must be a number of staff in (0, 10000], got 0"));
    CHECK_THAT(error_with(R"({ name = "m", participants = 1, hours = 1, every_months = 1, sector = "schools" })"),
               Contains("organisation.coordination.m.sector: unknown sector 'schools' (known: employment, children)"));
    CHECK_THAT(error_with(R"({ name = "m", participants = 1, hours = 1, every_months = 1, sector = "children", hourly_cost = -5 })"),
               Contains("organisation.coordination.m.hourly_cost: must be an amount in [0, 1e12] DKK, got -5"));
    CHECK_THAT(error_with(R"({ name = "m", participants = 1, hours = 1, every_months = 1, sector = "children", minutes = 5 })"),
               Contains("organisation.coordination.m.minutes: unknown key"));
}
