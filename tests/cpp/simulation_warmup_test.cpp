// The warm-up (population.warmup_months, simulation_warmup.cpp): the occupancy after it against
// the closed-form transient of a two-state chain and the renewal-theory mix of Weibull sojourns;
// the arms identical until the solution selects at month 0; outputs counted from month 0;
// validation.
#include <catch2/catch.hpp>

#include <cmath>

#include "builders.hpp"
#include "tvaer/analytic.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"

using namespace tvaer;
using Catch::Contains;
using tvaer::test::to;

namespace {

// A closed cohort of one-member families, all starting in A: A -> B at `a`, B -> A at `b` a
// month; A costs 1,000 a month to employment.
scenario two_states(double a, double b, std::uint32_t families, double warmup, double horizon = 12.0) {
    scenario sc = test::single_state({"employment", "adults"}, {}, families, horizon);
    track& t = sc.tracks[0];
    t.initial = {1.0, 0.0};
    t.states = {state{"A", {to("B", a)}, std::nullopt, {test::cost("employment", 1000)}},
                state{"B", {to("A", b)}, std::nullopt, {}}};
    sc.people.warmup_months = warmup;
    return sc;
}

// Member-months in A in output month `month` (occupancy row 0 is track 'person', state 'A').
double in_a(const arm_result& r, std::size_t month) { return r.occupancy.at(0, month); }

// An open population after a 24-month warm-up: state A has cases in two sectors (eligible), B in
// one; 20 places in the solution, inside which A -> B is five times as fast.
scenario selecting_population() {
    scenario sc = two_states(0.05, 0.05, 100, 24.0, 12.0);
    sc.tracks[0].states[0].costs.push_back(test::cost("adults", 500));
    sc.tracks[0].initial = {0.5, 0.5};
    sc.people.arrivals_per_month = 5.0;
    sc.people.leave_rate = 0.05;
    sc.select.min_sectors = 2;
    sc.select.capacity = 20;
    sc.org.effects = {effect{"person", "A", "B", 5.0}};
    return sc;
}

}  // namespace

TEST_CASE("warm-up: a two-state chain starts month 0 at the closed-form transient p(t)", "[warmup]") {
    // p_A(t) = p_inf + (p0 - p_inf) e^{-(a+b) t}, p0 = 1, p_inf = b / (a + b); output month 0 is
    // [W, W + 1), so its mean occupancy is p_inf + (1 - p_inf) e^{-cW} (1 - e^{-c}) / c, c = a + b.
    const double a = 0.10, b = 0.05, c = a + b, p_inf = b / c;
    const std::uint32_t n = 2000;
    for (const double w : {12.0, 36.0}) {
        const model m = compile(two_states(a, b, n, w));
        std::vector<double> share;
        for (std::uint32_t rep = 0; rep < 20; ++rep) share.push_back(in_a(simulate_arm(m, 11, rep, arm::bau), 0) / n);
        const double want = p_inf + (1.0 - p_inf) * std::exp(-c * w) * (1.0 - std::exp(-c)) / c;
        CHECK(test::mean(share) == Approx(want).margin(4 * test::standard_error(share)));
    }
    // Without a warm-up month 0 starts with everyone in A: (1 - p_inf)(1 - e^{-c}) / c + p_inf.
    const model cold = compile(two_states(a, b, n, 0.0));
    CHECK(in_a(simulate_arm(cold, 11, 0, arm::bau), 0) / n ==
          Approx(p_inf + (1.0 - p_inf) * (1.0 - std::exp(-c)) / c).margin(0.02));
}

TEST_CASE("warm-up: Weibull sojourns reach the renewal-theory mix mean_A / (mean_A + mean_B)", "[warmup]") {
    // An alternating renewal process: A left after Weibull(2, 10), B after Weibull(3, 20). Long
    // after the start the share in A is E[T_A] / (E[T_A] + E[T_B]), E[T] = scale * Gamma(1 + 1/k),
    // whatever the start; a clock restarted at t = 0 (population.initial = "steady_state") would
    // not get there, a warm-up of many mean cycles (about 27 months each) does.
    scenario sc = two_states(0.1, 0.1, 2000, 240.0);
    sc.tracks[0].states[0].duration = sojourn::weibull(2.0, 10.0);
    sc.tracks[0].states[0].transitions = {transition{"B", 0.0, 1.0}};
    sc.tracks[0].states[1].duration = sojourn::weibull(3.0, 20.0);
    sc.tracks[0].states[1].transitions = {transition{"A", 0.0, 1.0}};
    const double mean_a = 10.0 * std::tgamma(1.5), mean_b = 20.0 * std::tgamma(1.0 + 1.0 / 3.0);
    const model m = compile(sc);
    std::vector<double> share;
    for (std::uint32_t rep = 0; rep < 20; ++rep) {
        const arm_result r = simulate_arm(m, 5, rep, arm::bau);
        share.push_back((in_a(r, 0) + in_a(r, 11)) / (2.0 * 2000));
    }
    CHECK(test::mean(share) == Approx(mean_a / (mean_a + mean_b)).margin(4 * test::standard_error(share) + 0.005));
    // Without it month 0 is far from the mix (everyone starts in A, and most are still there).
    sc.people.warmup_months = 0.0;
    CHECK(in_a(simulate_arm(compile(sc), 5, 0, arm::bau), 0) / 2000 > 0.9);
}

TEST_CASE("warm-up: outputs count from month 0 and have the horizon's length", "[warmup]") {
    // One absorbing state costing 1,000 a month, a 24-month warm-up: every output month holds
    // exactly 10 families x 1,000 (the warm-up's 24 months are not reported), and the per-family
    // output has the horizon's years only.
    scenario sc = test::single_state({"employment"}, {test::cost("employment", 1000, 500)}, 10, 18.0);
    sc.people.warmup_months = 24.0;
    replication_options o;
    o.family_costs = true;
    o.bookings = true;
    const model m = compile(sc);
    const arm_result r = simulate_arm(m, 1, 0, arm::bau, o);
    REQUIRE(r.costs.months() == 18);
    REQUIRE(r.occupancy.months() == 18);
    for (std::size_t month = 0; month < 18; ++month) CHECK(r.costs.at(0, month) == Approx(10'000.0).epsilon(1e-12));
    // The one-offs at entry (t = 0 of the run) belong to the warm-up: none reported.
    CHECK(test::line_total(r, 0) == Approx(18 * 10'000.0).epsilon(1e-12));
    // families x years x budgets x (CPR-registered, not): family 0's employment cost by year.
    const std::size_t budgets = m.budgets.size(), payer = m.lines[0].payer;
    REQUIRE(r.family_costs.size() == 10 * family_years(18) * budgets * 2);
    CHECK(r.family_costs[(0 * budgets + payer) * 2] == Approx(12'000.0).epsilon(1e-12));  // year 1
    CHECK(r.family_costs[(1 * budgets + payer) * 2] == Approx(6'000.0).epsilon(1e-12));   // year 2: 6 months
    double logged = 0.0;
    for (const auto& b : r.bookings) {
        CHECK(b.month < 18);
        logged += b.amount;
    }
    CHECK(logged == Approx(18 * 10'000.0).epsilon(1e-12));
    CHECK(r.transitions.size() == 18 * m.transition_rows.size());
}

TEST_CASE("warm-up: both arms share it - the solution selects at month 0 from the warmed-up state", "[warmup]") {
    // An open population; state A has cases in two sectors (eligible), B in one. Inside the
    // solution A -> B is five times as fast. If the solution arm acted in the warm-up (admitting
    // arrivals, say), its families would differ at month 0 from the business-as-usual arm's.
    const model m = compile(selecting_population());
    replication_options o;
    o.family_costs = true;
    for (std::uint32_t rep = 0; rep < 5; ++rep) {
        const replication_result r = simulate_replication(m, 3, rep, o);
        const arm_result& bau = r.arms[static_cast<int>(arm::bau)];
        const arm_result& sol = r.arms[static_cast<int>(arm::solution)];
        // The same families, eligible at month 0 in both arms (the state at month 0 is the same).
        REQUIRE(bau.family_candidate.size() >= 100);
        std::size_t candidates = 0;
        for (std::size_t f = 0; f < bau.family_candidate.size(); ++f) {
            candidates += bau.family_candidate[f];
            CHECK(bau.family_candidate[f] == sol.family_candidate[f]);
        }
        // More candidates than places; nobody admitted before month 0 (-1: never admitted).
        REQUIRE(candidates > 20);
        std::size_t at_zero = 0;
        for (std::size_t f = 0; f < sol.family_admitted.size(); ++f) {
            CHECK(sol.family_admitted[f] >= -1);
            if (sol.family_admitted[f] == 0) {
                ++at_zero;
                CHECK(sol.family_candidate[f] == 1);
            }
        }
        // Month 0 begins with the places filled (and refilled as families leave within it).
        CHECK(at_zero >= 20);
        CHECK(sol.occupancy.at(m.solution_families_row, 0) == Approx(20.0).epsilon(1e-12));
        // A family never admitted costs the same in both arms, month 0 on (common random numbers
        // through the warm-up; no shared capacity here).
        const std::size_t per_family = family_years(12) * m.budgets.size() * 2;
        for (std::size_t f = 0; f < sol.family_admitted.size(); ++f) {
            if (sol.family_admitted[f] >= 0) continue;
            for (std::size_t k = 0; k < per_family; ++k) {
                CHECK(bau.family_costs[f * per_family + k] == sol.family_costs[f * per_family + k]);
            }
        }
    }
}

TEST_CASE("warm-up: a replication's arms are what each arm gives when run alone", "[warmup]") {
    // simulate_replication runs the warm-up once and copies business as usual into the solution
    // arm at its end; simulate_arm runs each arm from the start on its own, warm-up and all. With
    // an open population, selection into a capped solution with an effect, costs and the
    // per-family output, the two ways give the same numbers, bit for bit, every replication.
    const model m = compile(selecting_population());
    replication_options o;
    o.family_costs = true;
    for (std::uint32_t rep = 0; rep < 5; ++rep) {
        const replication_result r = simulate_replication(m, 3, rep, o);
        for (const arm a : {arm::bau, arm::solution}) {
            const arm_result alone = simulate_arm(m, 3, rep, a, o);
            const arm_result& shared = r.arms[static_cast<int>(a)];
            CHECK(shared.events == alone.events);
            CHECK(shared.members == alone.members);
            CHECK(shared.costs.totals() == alone.costs.totals());
            CHECK(shared.occupancy.totals() == alone.occupancy.totals());
            CHECK(shared.transitions == alone.transitions);
            CHECK(shared.family_costs == alone.family_costs);
            CHECK(shared.family_admitted == alone.family_admitted);
        }
        // The solution arm did select (so the arms differ after month 0).
        CHECK(r.arms[1].admitted > 0);
        CHECK(r.arms[1].costs.totals() != r.arms[0].costs.totals());
    }
}

TEST_CASE("warm-up: a population that outgrows the copy in the warm-up runs its second arm alone", "[warmup]") {
    // 1,000 one-member families, 20,000 arriving a month through a 12-month warm-up: some 241,000
    // member records at month 0 (16 bytes each, and 4 for each family's list head), past the
    // 4 MiB under which simulate_replication copies business as usual into the solution arm at
    // the warm-up's end (it was under it after populate(), so the warm-up is run shared up to
    // there). The solution arm is then run alone from the start; both arms still equal each arm
    // run alone, and the solution selects from the warmed-up state.
    scenario sc = test::single_state({"employment", "adults"}, {test::cost("employment", 1000), test::cost("adults", 200)},
                                     1000, 12.0);
    sc.people.warmup_months = 12.0;
    sc.people.arrivals_per_month = 20000.0;
    sc.people.leave_rate = 0.5;
    sc.select.min_sectors = 2;
    sc.select.capacity = 100;
    const model m = compile(sc);
    const replication_result r = simulate_replication(m, 5, 0, {});
    for (const arm a : {arm::bau, arm::solution}) {
        const arm_result alone = simulate_arm(m, 5, 0, a, {});
        const arm_result& shared = r.arms[static_cast<int>(a)];
        CHECK(shared.events == alone.events);
        CHECK(shared.members == alone.members);
        CHECK(shared.costs.totals() == alone.costs.totals());
        CHECK(shared.occupancy.totals() == alone.occupancy.totals());
    }
    CHECK(r.arms[0].members > 240'000);
    CHECK(r.arms[1].admitted >= 100);
}

TEST_CASE("warm-up: a whole number of years, at most 100", "[warmup]") {
    scenario sc = two_states(0.1, 0.05, 10, 30.0);
    REQUIRE_THROWS_WITH(sc.validate(), Contains("population.warmup_months: must be a whole number of years in months "
                                                "(0, 12, 24, ... up to 1200), got 30"));
    sc.people.warmup_months = -12.0;
    REQUIRE_THROWS_WITH(sc.validate(), Contains("population.warmup_months: must be a whole number of years in months "
                                                "(0, 12, 24, ... up to 1200), got -12"));
    sc.people.warmup_months = 1212.0;
    REQUIRE_THROWS_WITH(sc.validate(), Contains("got 1212"));
    sc.people.warmup_months = 1200.0;
    REQUIRE_NOTHROW(sc.validate());
}

TEST_CASE("warm-up: the analytic mode refuses it by name", "[warmup]") {
    REQUIRE_THROWS_WITH(expected(compile(two_states(0.1, 0.05, 10, 24.0)), treatment::usual),
                        Contains("analytic mode: population.warmup_months is set (24)"));
    REQUIRE_NOTHROW(expected(compile(two_states(0.1, 0.05, 10, 0.0)), treatment::usual));
}
