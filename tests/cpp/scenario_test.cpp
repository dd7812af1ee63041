// Scenario validation: each bad scenario is rejected with the key path of the bad value.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "builders.hpp"
#include "tvaer/scenario.hpp"

using namespace tvaer;
using Catch::Contains;

namespace {

using tvaer::test::cost;

// A small valid scenario: one adult track with two states and a mentor intervention.
scenario good() {
    scenario sc;
    sc.sectors = {"employment", "children"};
    track t;
    t.name = "adult";
    t.members = {0.2, 0.8};
    t.initial = {0.5, 0.5};
    t.states = {state{"S1", {transition{"S2", 0.1, 0.0}}, std::nullopt, {cost("employment", 1000)}},
                state{"S2", {transition{"S1", 0.05, 0.0}}, std::nullopt, {}}};
    sc.tracks = {t};
    intervention iv;
    iv.name = "mentor";
    iv.track = "adult";
    iv.request_on_entry = {"S2"};
    iv.costs = {cost("children", 500)};
    iv.effects = {effect{"adult", "S2", "S1", 1.5}};
    sc.interventions = {iv};
    return sc;
}

// Applies `edit` to a good scenario and requires validate() and compile() to reject it with
// `message` and the key path `path`.
void require_rejected(const std::function<void(scenario&)>& edit, const std::string& path, const std::string& message) {
    scenario sc = good();
    edit(sc);
    REQUIRE_THROWS_WITH(sc.validate(), Contains(path + ": " + message));
    REQUIRE_THROWS_WITH(compile(sc), Contains(path + ": " + message));
    try {
        sc.validate();
    } catch (const scenario_error& e) {
        CHECK(e.key_path() == path);
    }
}

}  // namespace

TEST_CASE("scenario: a good scenario validates and compiles", "[scenario]") {
    REQUIRE_NOTHROW(good().validate());
    const auto m = compile(good());
    CHECK(m.months == 60);
    CHECK(m.budgets == std::vector<std::string>{"employment", "children", "solution"});
}

TEST_CASE("scenario: negative and non-finite values", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].transitions[0].rate = -0.5; },
                     "tracks.adult.states.S1.transitions[0].rate", "must be >= 0 and finite, got -0.5");
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].costs[0].monthly = -5; },
                     "tracks.adult.states.S1.costs[0].monthly", "must be an amount in [0, 1e12] DKK, got -5");
    require_rejected([](scenario& sc) { sc.interventions[0].costs[0].one_off = -1; },
                     "interventions.mentor.costs[0].one_off", "must be an amount in [0, 1e12] DKK, got -1");
    require_rejected([](scenario& sc) { sc.interventions[0].effects[0].multiplier = -2; },
                     "interventions.mentor.effects[0].multiplier", "must be >= 0 and finite, got -2");
    require_rejected([](scenario& sc) { sc.interventions[0].duration = sojourn::exponential(-3); },
                     "interventions.mentor.duration.rate", "must be a positive finite number, got -3");
    require_rejected([](scenario& sc) { sc.org.staff_fte = -1; }, "organisation.staff_fte",
                     "must be a number of full-time staff in [0, 100000], got -1");
    require_rejected([](scenario& sc) { sc.org.staff_fte_by_year = {3, -1}; }, "organisation.staff_fte_by_year[1]",
                     "must be a number of full-time staff in [0, 100000], got -1");
}

TEST_CASE("scenario: lists by year", "[scenario]") {
    // The good scenario runs 60 months: 5 years.
    require_rejected([](scenario& sc) { sc.org.staff_fte_by_year = std::vector<double>(6, 2.0); sc.org.salary_key = {{"children", 1.0}}; },
                     "organisation.staff_fte_by_year", "has 6 values, more than the 5 years of horizon_months (60)");
    require_rejected([](scenario& sc) { sc.select.capacity_by_year = std::vector<double>(6, 20.0); },
                     "selection.capacity_by_year", "has 6 values, more than the 5 years of horizon_months (60)");
    require_rejected([](scenario& sc) { sc.horizon_months = 13; sc.org.staff_fte_by_year = {1, 2, 3}; },
                     "organisation.staff_fte_by_year", "has 3 values, more than the 2 years of horizon_months (13)");
    require_rejected([](scenario& sc) { sc.org.staff_fte = 2; sc.org.staff_fte_by_year = {2, 3}; },
                     "organisation.staff_fte_by_year", "give organisation.staff_fte (2) or staff_fte_by_year, not both");
    // Staff in some year need their salaries' financing, as staff_fte does.
    require_rejected([](scenario& sc) { sc.org.staff_fte_by_year = {0, 2}; }, "organisation.salary_key",
                     "shares must sum to 1, got 0");
}

TEST_CASE("scenario: a queue for places needs the places", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].states[1].queue = queue_discipline::fifo; },
                     "tracks.adult.states.S2.queue", "needs a capacity > 0 on the same state (a queue waits for its places)");
}

TEST_CASE("scenario: shares", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].initial = {0.5, 0.4}; }, "tracks.adult.initial",
                     "shares must sum to 1, got 0.9");
    require_rejected([](scenario& sc) { sc.tracks[0].members = {0.5, 0.6}; }, "tracks.adult.members",
                     "shares must sum to 1, got 1.1");
    require_rejected([](scenario& sc) { sc.tracks[0].initial = {1.5, -0.5}; }, "tracks.adult.initial.S1",
                     "must be a share in [0, 1], got 1.5");
    require_rejected([](scenario& sc) { sc.tracks[0].initial = {1.0}; }, "tracks.adult.initial",
                     "needs one share per state (2), got 1");
    require_rejected([](scenario& sc) { sc.select.motivated_share = 1.2; }, "selection.motivated_share",
                     "must be a share in [0, 1], got 1.2");
    require_rejected(
        [](scenario& sc) {
            sc.tracks[0].states[1].duration = sojourn::weibull(1.2, 3.0);
            sc.tracks[0].states[1].transitions = {transition{"S1", 0.0, 0.7}};
        },
        "tracks.adult.states.S2.transitions", "with a duration the probabilities must sum to 1, got 0.7");
}

TEST_CASE("scenario: unknown names", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].transitions[0].to = "S9"; },
                     "tracks.adult.states.S1.transitions[0].to", "unknown state 'S9' (known: S1, S2)");
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].costs[0].sector = "health"; },
                     "tracks.adult.states.S1.costs[0].sector", "unknown sector 'health' (known: employment, children)");
    require_rejected([](scenario& sc) { sc.interventions[0].track = "kids"; }, "interventions.mentor.track",
                     "unknown track 'kids' (known: adult)");
    require_rejected([](scenario& sc) { sc.interventions[0].request_on_entry = {"S2", "S3"}; },
                     "interventions.mentor.request_on_entry[1]", "unknown state 'S3'");
    require_rejected([](scenario& sc) { sc.interventions[0].effects[0].from = "JOB"; },
                     "interventions.mentor.effects[0].from", "unknown state 'JOB'");
    require_rejected([](scenario& sc) { sc.org.effects = {effect{"child", "S1", "S2", 2.0}}; },
                     "organisation.effects[0].track", "unknown track 'child'");
    require_rejected([](scenario& sc) { sc.interventions[0].costs[0].benefit = "kontanthjaelp"; },
                     "interventions.mentor.costs[0].benefit", "this track has no benefit types");
}

TEST_CASE("scenario: duplicate and empty names", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].states[1].name = "S1"; }, "tracks.adult.states[1]",
                     "duplicate name 'S1'");
    require_rejected([](scenario& sc) { sc.sectors.push_back("employment"); }, "sectors[2]",
                     "duplicate name 'employment'");
    require_rejected([](scenario& sc) { sc.interventions.push_back(sc.interventions[0]); }, "interventions[1]",
                     "duplicate name 'mentor'");
    require_rejected([](scenario& sc) { sc.tracks.push_back(sc.tracks[0]); }, "tracks[1]", "duplicate name 'adult'");
    require_rejected([](scenario& sc) { sc.sectors[0] = ""; }, "sectors[0]", "must not be empty");
}

TEST_CASE("scenario: horizon, schema and sizes", "[scenario]") {
    for (double bad : {0.0, 12.5, 1201.0, -12.0}) {
        require_rejected([&](scenario& sc) { sc.horizon_months = bad; }, "horizon_months",
                         "must be a whole number of months in [1, 1200], got ");
    }
    require_rejected([](scenario& sc) { sc.horizon_months = 12.5; }, "horizon_months",
                     "must be a whole number of months in [1, 1200], got 12.5");
    require_rejected([](scenario& sc) { sc.schema_version = 2; }, "schema_version",
                     "this tvaer reads schema version 1, got 2");
    require_rejected([](scenario& sc) { sc.families = 0; }, "families", "must be in [1, 16777216], got 0");
    require_rejected([](scenario& sc) { sc.families = 16777217; }, "families", "must be in [1, 16777216], got 16777217");
    require_rejected(
        [](scenario& sc) {
            sc.tracks[0].benefits.clear();
            for (int i = 0; i < 65; ++i) sc.tracks[0].benefits.push_back(std::to_string(i).append("b"));
            sc.tracks[0].benefit_shares.assign(65, 1.0 / 65);
        },
        "tracks.adult.benefits", "at most 64 benefit types, got 65");
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].transitions[0].to = "S1"; },
                     "tracks.adult.states.S1.transitions[0].to", "a state cannot move to itself");
    require_rejected(
        [](scenario& sc) {
            for (int i = 1; i <= 16; ++i) {
                track extra = sc.tracks[0];
                extra.name = "adult" + std::to_string(i);
                sc.tracks.push_back(extra);
            }
        },
        "tracks", "at most 16 tracks, got 17");
}

TEST_CASE("scenario: payment and salary keys", "[scenario]") {
    require_rejected(
        [](scenario& sc) {
            sc.interventions[0].pays = authority::shared;
            sc.interventions[0].payment_key = {{"employment", 0.5}, {"children", 0.4}};
        },
        "interventions.mentor.payment_key", "shares must sum to 1, got 0.9");
    require_rejected(
        [](scenario& sc) {
            sc.interventions[0].pays = authority::shared;
            sc.interventions[0].payment_key = {{"health", 1.0}};
        },
        "interventions.mentor.payment_key.health", "unknown sector 'health'");
    require_rejected([](scenario& sc) { sc.interventions[0].pays = authority::shared; }, "interventions.mentor.payment_key",
                     "shares must sum to 1, got 0");
    require_rejected([](scenario& sc) { sc.org.staff_fte = 2.0; }, "organisation.salary_key",
                     "shares must sum to 1, got 0");
    require_rejected([](scenario& sc) { sc.org.form = "matrix"; }, "organisation.form",
                     "must be 'unit' or 'network', got 'matrix'");
}

TEST_CASE("scenario: numbers the engine cannot hold and mistakes that would pass silently", "[scenario]") {
    require_rejected([](scenario& sc) { sc.tracks[0].states[0].costs[0].monthly = 1e308; },
                     "tracks.adult.states.S1.costs[0].monthly", "must be an amount in [0, 1e12] DKK, got 1e+308");
    require_rejected([](scenario& sc) { sc.interventions[0].costs[0].one_off = std::nan(""); },
                     "interventions.mentor.costs[0].one_off", "must be an amount in [0, 1e12] DKK, got nan");
    require_rejected(
        [](scenario& sc) {
            sc.org.staff_fte = 100000;
            sc.org.salary_key = {{"employment", 1.0}};
            sc.org.caseload = 42950;  // 4,295,000,000 places: more than 2^32 - 1
        },
        "organisation.caseload", "staff_fte (100000) x caseload (42950) must be at most 4294967295 places");
    require_rejected([](scenario& sc) { sc.org.staff_fte = 1e308; }, "organisation.staff_fte",
                     "must be a number of full-time staff in [0, 100000], got 1e+308");
    require_rejected([](scenario& sc) { sc.org.salary_key = {{"health", 1.0}}; }, "organisation.salary_key.health",
                     "unknown sector 'health'");
    require_rejected([](scenario& sc) { sc.people.arrivals_per_month = 16777216.0 / 60.0; }, "population.arrivals_per_month",
                     "16777316 families expected over the horizon (initial plus arrivals), at most 16777216");
    require_rejected([](scenario& sc) { sc.select.score_per_service = std::nan(""); }, "selection.score_per_service",
                     "must be finite, got nan");
    require_rejected([](scenario& sc) { sc.select.include_benefits = {"kontanthjaelp"}; },
                     "selection.include_benefits[0]", "no track has benefit types, got 'kontanthjaelp'");
    require_rejected(
        [](scenario& sc) {
            sc.tracks[0].benefits = {"kontanthjaelp", "sygedagpenge"};
            sc.tracks[0].benefit_shares = {0.9, 0.1};
            sc.select.exclude_benefits = {"sygedagpenge_"};
        },
        "selection.exclude_benefits[0]", "unknown benefit type 'sygedagpenge_' (known: kontanthjaelp, sygedagpenge)");
    require_rejected([](scenario& sc) { sc.interventions[0].request_on_entry.clear(); }, "interventions.mentor.request_on_entry",
                     "is empty: nothing would ever request this intervention");
    require_rejected([](scenario& sc) { sc.interventions[0].payment_key = {{"employment", 1.0}}; },
                     "interventions.mentor.payment_key", "is only used with pays = \"shared\"");
}
