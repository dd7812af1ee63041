// Governance: meeting cadences, the amount ceiling, and who pays above it.
#include "tvaer/governance.hpp"

#include <catch2/catch.hpp>

#include "builders.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"

using tvaer::next_meeting;

TEST_CASE("next_meeting waits for the next multiple of the cadence", "[governance]") {
    // Meetings at 0.5, 3.5, 6.5, ... (every 3 months, phase 0.5).
    CHECK(next_meeting(0.0, 3.0, 0.5) == Approx(0.5));
    CHECK(next_meeting(0.5, 3.0, 0.5) == Approx(0.5));  // a meeting right now
    CHECK(next_meeting(0.6, 3.0, 0.5) == Approx(3.5));
    CHECK(next_meeting(10.0, 3.0, 0.5) == Approx(12.5));
    // Monthly forum at whole months.
    CHECK(next_meeting(2.25, 1.0, 0.0) == Approx(3.0));
}

TEST_CASE("next_meeting without a cadence does not wait", "[governance]") {
    CHECK(next_meeting(4.2, 0.0, 0.0) == 4.2);
}

TEST_CASE("mean wait for a meeting is half the cadence when requests arrive uniformly", "[governance]") {
    // Independent expectation: for t uniform over many cycles, E[next - t] = every / 2.
    double sum = 0.0;
    const int n = 120000;
    for (int i = 0; i < n; ++i) {
        const double t = 36.0 * (i + 0.5) / n;
        sum += next_meeting(t, 3.0, 1.0) - t;
    }
    CHECK(sum / n == Approx(1.5).epsilon(1e-3));
}

TEST_CASE("expected grant cost", "[governance]") {
    CHECK(tvaer::expected_grant_cost(5000.0, 2000.0, 12.0) == 29000.0);
}

// ---- payment that depends on the amount (Assens, report L3036-3091) -------------------------


namespace {

using namespace tvaer;

// 10 one-member families inside the solution, asking at t = 0 for a mentor of 5,000 kr a month
// for 6 months (30,000 kr: above Assens' 25,000 kr ceiling) and a coach of 2,000 kr a month for
// 6 months (12,000 kr: below); the unit grants both, pays below the ceiling and leaves the
// dearer grant to the sectors by Assens' example key 60/20/20 (report L3064-3068).
scenario assens() {
    scenario sc = test::single_state({"employment", "adults", "children"}, {}, 10, 12.0);
    sc.select.min_sectors = 0;
    sc.org.ceiling = 25000.0;
    for (const auto& [name, monthly] : {std::pair{"mentor", 5000.0}, std::pair{"coach", 2000.0}}) {
        intervention iv = test::requested_on(name, "person", "here", sojourn::fixed(6.0), {test::cost("employment", monthly)});
        iv.grants = authority::solution;
        iv.pays = authority::solution;
        iv.pays_above_ceiling = authority::shared;
        iv.payment_key = {{"employment", 0.6}, {"adults", 0.2}, {"children", 0.2}};
        sc.interventions.push_back(iv);
    }
    return sc;
}

// What the budget `payer` paid for `source` in arm `a`, over the horizon.
double paid(const model& m, const arm_result& a, const std::string& source, std::uint32_t payer) {
    double sum = 0.0;
    for (std::size_t l = 0; l < m.lines.size(); ++l) {
        if (m.lines[l].source != source || m.lines[l].payer != payer) continue;
        for (std::size_t month = 0; month < m.months; ++month) sum += a.costs.at(l, month);
    }
    return sum;
}

}  // namespace

TEST_CASE("above the ceiling the sectors pay by the key, below it the solution pays", "[governance]") {
    const model m = compile(assens());
    const arm_result a = simulate_arm(m, 1, 0, arm::solution);
    // The forum meets at whole months: decided at 0, both run months 0-5 for all 10 families.
    CHECK(paid(m, a, "intervention/mentor", 0) == Approx(10 * 30000.0 * 0.6));  // employment
    CHECK(paid(m, a, "intervention/mentor", 1) == Approx(10 * 30000.0 * 0.2));  // adults
    CHECK(paid(m, a, "intervention/mentor", 2) == Approx(10 * 30000.0 * 0.2));  // children
    CHECK(paid(m, a, "intervention/mentor", m.solution_budget()) == 0.0);
    CHECK(paid(m, a, "intervention/coach", m.solution_budget()) == Approx(10 * 12000.0));
    CHECK(paid(m, a, "intervention/coach", 0) == 0.0);
    // As usual the law's sector pays both.
    const arm_result b = simulate_arm(m, 1, 0, arm::bau);
    CHECK(paid(m, b, "intervention/mentor", 0) == Approx(10 * 30000.0));
    CHECK(paid(m, b, "intervention/coach", 0) == Approx(10 * 12000.0));
    const auto rows = governance_rows(m);
    CHECK(rows[0].pays == "shared");
    CHECK(rows[1].pays == "solution");
}

TEST_CASE("pays_above_ceiling needs a ceiling and a grant by the solution", "[governance]") {
    scenario sc = assens();
    sc.org.ceiling = 0.0;
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("interventions.mentor.pays_above_ceiling: is only used when the solution "
                                                     "grants it (grants = \"solution\" or \"shared\") and organisation.ceiling > 0"));
    sc = assens();
    sc.interventions[1].grants = authority::sector;
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("interventions.coach.pays_above_ceiling: is only used when"));
    sc = assens();
    sc.interventions[0].payment_key = {{"employment", 0.6}};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("interventions.mentor.payment_key: shares must sum to 1, got 0.6"));
}
