// Family-flow simulation: open populations, governance delays, queues, tables, both arms.
// Expected values are hand-computed or closed forms (Erlang C, Poisson, exponential survival).
#include "tvaer/simulation.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "builders.hpp"
#include "tvaer/model.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/replications.hpp"

using namespace tvaer;

namespace {

using tvaer::test::cost;
using tvaer::test::mean;
const auto se = tvaer::test::standard_error;

// One track "person" with a single absorbing state "here" costing 1000 a month.
scenario single_state(std::uint32_t families, double horizon) {
    scenario sc;
    sc.horizon_months = horizon;
    sc.families = families;
    sc.sectors = {"s"};
    track t;
    t.name = "person";
    t.members = {0.0, 1.0};
    t.initial = {1.0};
    t.states = {state{"here", {}, std::nullopt, {cost("s", 1000.0)}}};
    sc.tracks = {t};
    sc.select.min_sectors = 99;  // nobody in the solution unless a test says so
    return sc;
}

intervention service(const char* name, std::uint32_t capacity, sojourn duration) {
    intervention iv;
    iv.name = name;
    iv.track = "person";
    iv.request_on_entry = {"here"};
    iv.duration = duration;
    iv.capacity = capacity;
    iv.costs = {cost("s", 100.0)};
    return iv;
}

// Erlang C: probability of waiting in M/M/c with offered load a = lambda / mu.
double erlang_c(int c, double a) {
    double term = 1.0, sum = 0.0;
    for (int k = 0; k < c; ++k) {
        sum += term;
        term *= a / (k + 1);
    }
    const double top = term * c / (c - a);  // a^c / c! * c / (c - a)
    return top / (sum + top);
}

}  // namespace

TEST_CASE("the ladder reference model runs both arms", "[simulation]") {
    const auto m = compile(ladder_scenario(200));
    const auto r = simulate_replication(m, 1, 0);
    REQUIRE(r.arms[0].events > 0);
    REQUIRE(r.arms[0].costs.totals() == r.arms[1].costs.totals());  // no family is selected
}

TEST_CASE("an open-arrival queue matches the Erlang C waiting time", "[simulation]") {
    // Families arrive at lambda = 2 a month, each asks at once for a service with c = 3 slots and
    // exponential duration of mean 1.2 months: a = 2.4, rho = 0.8.
    scenario sc = single_state(1, 600.0);
    sc.people.arrivals_per_month = 2.0;
    sc.interventions = {service("svc", 3, sojourn::exponential(1.0 / 1.2))};
    const model m = compile(sc);
    const double lambda = 2.0, mu = 1.0 / 1.2;
    const double expected = erlang_c(3, lambda / mu) / (3 * mu - lambda);  // Wq = C / (c mu - lambda)
    // By hand: sum_{k<3} a^k/k! = 6.28; a^3/3! * 3/0.6 = 11.52; C = 11.52 / 17.8 = 0.6472;
    // Wq = 0.6472 / (2.5 - 2) = 1.2944 months.
    CHECK(expected == Approx(1.2944).epsilon(1e-3));
    std::vector<double> waits;
    for (std::uint32_t rep = 0; rep < 24; ++rep) {
        const arm_result a = simulate_arm(m, 5, rep, arm::bau);
        double w = 0.0, n = 0.0;
        for (std::size_t month = 100; month < m.months; ++month) {  // after a warm-up
            w += a.wait_months[month];
            n += a.starts[month];
        }
        waits.push_back(w / n);
    }
    CHECK(std::abs(mean(waits) - expected) < 3.29 * se(waits));
}

TEST_CASE("Poisson arrivals and scheduled arrivals join the population", "[simulation]") {
    scenario sc = single_state(10, 24.0);
    sc.people.arrivals_per_month = 1.5;
    sc.people.arrival_months = {1.5, 2.5};
    const model m = compile(sc);
    std::vector<double> arrivals;
    for (std::uint32_t rep = 0; rep < 300; ++rep) {
        arrivals.push_back(simulate_arm(m, 3, rep, arm::bau).families - 12.0);
    }
    CHECK(std::abs(mean(arrivals) - 1.5 * 24) < 3.29 * se(arrivals));
    // Variance of a Poisson count equals its mean (loose bound: 300 draws).
    CHECK(se(arrivals) * se(arrivals) * 300 == Approx(36.0).epsilon(0.25));

    scenario only_scheduled = single_state(1, 4.0);
    only_scheduled.people.arrival_months = {1.5, 2.5};
    const arm_result a = simulate_arm(compile(only_scheduled), 1, 0, arm::bau);
    // member-months in months 0..3: 1 initial member all along, one from 1.5, one from 2.5.
    CHECK(a.occupancy.at(0, 0) == Approx(1.0));
    CHECK(a.occupancy.at(0, 1) == Approx(1.5));
    CHECK(a.occupancy.at(0, 2) == Approx(2.5));
    CHECK(a.occupancy.at(0, 3) == Approx(3.0));
    CHECK(a.costs.at(0, 2) == Approx(2500.0));
}

TEST_CASE("families leave at the leave rate and stop costing", "[simulation]") {
    const double r = 0.05;
    scenario sc = single_state(2000, 24.0);
    sc.people.leave_rate = r;
    const model m = compile(sc);
    std::vector<double> month0, month12;
    for (std::uint32_t rep = 0; rep < 40; ++rep) {
        const arm_result a = simulate_arm(m, 9, rep, arm::bau);
        month0.push_back(a.occupancy.at(0, 0));
        month12.push_back(a.costs.at(0, 12) / 1000.0);
    }
    // Expected member-months in month k: N (e^{-rk} - e^{-r(k+1)}) / r.
    auto expected = [&](int k) { return 2000.0 * (std::exp(-r * k) - std::exp(-r * (k + 1))) / r; };
    CHECK(std::abs(mean(month0) - expected(0)) < 3.29 * se(month0));
    CHECK(std::abs(mean(month12) - expected(12)) < 3.29 * se(month12));
}

TEST_CASE("a network meeting cadence and a forum above the ceiling delay solution grants", "[simulation]") {
    scenario sc = single_state(400, 6.0);
    sc.select.min_sectors = 0;  // every family is in the solution
    sc.org.meeting_every = 3.0;
    intervention cheap = service("cheap", 0, sojourn::fixed(12.0));
    cheap.available = availability::solution;
    cheap.grants = authority::solution;
    sc.interventions = {cheap};
    arm_result a = simulate_arm(compile(sc), 2, 0, arm::solution);
    // Each family's network meets at a uniform phase in [0, 3): starts spread evenly over months 0-2.
    for (int month = 0; month < 3; ++month) CHECK(a.starts[month] == Approx(400.0 / 3).margin(4 * std::sqrt(400 * 2.0 / 9)));
    CHECK(a.starts[3] + a.starts[4] + a.starts[5] == 0);

    scenario forum = single_state(50, 6.0);
    forum.select.min_sectors = 0;
    forum.org.ceiling = 25000.0;  // Assens
    forum.org.forum_every = 2.0;
    intervention big = service("big", 0, sojourn::fixed(12.0));  // 100 a month x 12 = 1,200: below
    big.costs[0].one_off = 30000.0;                              // 31,200: above the ceiling
    big.grants = authority::solution;
    big.decision_delay_solution = sojourn::fixed(0.5);
    intervention small = service("small", 0, sojourn::fixed(12.0));
    small.grants = authority::solution;
    small.decision_delay_solution = sojourn::fixed(0.5);
    forum.interventions = {big, small};
    a = simulate_arm(compile(forum), 2, 0, arm::solution);
    // Requested at 0, decided at 0.5; the big one waits for the forum at month 2.
    CHECK(a.starts[0 * 2 + 1] == 50);  // small, month 0
    CHECK(a.starts[2 * 2 + 0] == 50);  // big, month 2
    CHECK(a.starts[0 * 2 + 0] == 0);
    // In business as usual there is no forum: both start at 0.5 (no bau delay given: at once).
    a = simulate_arm(compile(forum), 2, 0, arm::bau);
    CHECK(a.starts[0] == 50);
    CHECK(a.starts[1] == 50);
}

TEST_CASE("a solution-first queue serves solution families before others", "[simulation]") {
    scenario sc = single_state(10, 10.0);
    sc.select.min_sectors = 0;
    sc.select.capacity = 5;
    intervention iv = service("slot", 1, sojourn::fixed(1.0));
    iv.queue = queue_discipline::solution_first;
    sc.interventions = {iv};
    const model m = compile(sc);
    const arm_result a = simulate_arm(m, 4, 0, arm::solution);
    std::size_t usual_line = 0, solution_line = 0;
    for (std::size_t l = 0; l < m.lines.size(); ++l) {
        if (m.lines[l].source != "intervention/slot") continue;
        (m.lines[l].group == treatment::solution ? solution_line : usual_line) = l;
    }
    // One slot, one month each. The first family to ask (family 0, at t = 0) finds the slot free;
    // every later request queues, and the 5 solution families go first: if family 0 is one of
    // them, months 0-4 are theirs, otherwise months 1-5.
    const std::size_t first = a.costs.at(solution_line, 0) > 0.0 ? 0 : 1;
    for (std::size_t month = first; month < first + 5; ++month) CHECK(a.costs.at(solution_line, month) == Approx(100.0));
    double usual_after = 0.0;
    for (std::size_t month = first + 5; month < 10; ++month) usual_after += a.costs.at(usual_line, month);
    CHECK(usual_after == Approx(100.0 * static_cast<double>(5 - first)));
}

TEST_CASE("a population table replaces the generator", "[simulation]") {
    scenario sc = single_state(1, 3.0);
    sc.tracks[0].states.push_back(state{"there", {}, std::nullopt, {}});
    sc.tracks[0].initial = {1.0, 0.0};
    sc.people.table = {{7, "person", "here", ""}, {7, "person", "there", ""}, {9, "person", "there", ""}};
    const model m = compile(sc);
    REQUIRE(m.initial_families == 2);
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    CHECK(a.families == 2);
    CHECK(a.occupancy.at(0, 0) == Approx(1.0));  // "here"
    CHECK(a.occupancy.at(1, 0) == Approx(2.0));  // "there"
}

TEST_CASE("with open populations and no selection both arms are identical", "[simulation]") {
    scenario sc = ladder_scenario(300);
    sc.people.arrivals_per_month = 3.0;
    sc.people.leave_rate = 0.01;
    const auto r = simulate_replication(compile(sc), 8, 2);
    CHECK(r.arms[0].costs.totals() == r.arms[1].costs.totals());
    CHECK(r.arms[0].families > 300);
}

TEST_CASE("bad population and governance values are named", "[simulation][scenario]") {
    scenario sc = single_state(1, 12.0);
    sc.people.arrival_months = {13.0};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("population.arrival_months[0]: must be a time in [0, horizon_months = 12], got 13"));
    sc = single_state(1, 12.0);
    sc.people.table = {{1, "person", "nowhere", ""}};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("population.table[0].state: unknown state 'nowhere'"));
    sc = single_state(1, 12.0);
    sc.people.table = {{1, "person", "here", ""}, {2, "person", "here", ""}, {1, "person", "here", ""}};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("population.table[2].family: rows of family 1 must be consecutive"));
    sc = single_state(1, 12.0);
    sc.org.forum_every = 0.0;
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("organisation.forum_every: must be > 0 and finite, got 0"));
}

TEST_CASE("refusion follows the weeks on benefits across spells", "[simulation][refusion]") {
    // A member on a benefit of 10,000 a month for 3 months (fixed), in a job for 2 months, back on
    // the benefit for 3, in a job for 2: benefit spells [0,3) and [5,8). Two months off do not
    // restart the count, so the refund runs over 6 months of benefit duration.
    scenario sc = single_state(1, 10.0);
    cost_rate benefit = cost("s", 10000.0);
    benefit.kind = cost_kind::transfer;
    sc.tracks[0].states = {state{"on", {{"job", 0.0, 1.0}}, sojourn::fixed(3.0), {benefit}},
                           state{"job", {{"on", 0.0, 1.0}}, sojourn::fixed(2.0), {}}};
    sc.tracks[0].initial = {1.0, 0.0};
    sc.refusion = refusion_ladder::statutory();
    sc.refusion.initial_weeks = 0.0;
    const model m = compile(sc);
    std::size_t refund_line = 0;
    for (std::size_t l = 0; l < m.lines.size(); ++l)
        if (m.lines[l].source_kind == "refusion" && m.lines[l].group == treatment::usual) refund_line = l;
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    double refund = 0.0, paid = 0.0;
    for (std::size_t month = 0; month < 10; ++month) {
        refund += a.costs.at(refund_line, month);
        paid += a.costs.at(refund_line - 1, month);  // the benefit line precedes its refund line
    }
    const double w4 = 4.0 / weeks_per_month, w26 = 26.0 / weeks_per_month;
    CHECK(paid == Approx(60000.0));
    CHECK(refund == Approx(-10000.0 * (0.8 * w4 + 0.4 * (w26 - w4) + 0.3 * (6.0 - w26))));
    // Month 6 is benefit months 4-5 of the duration: wholly in weeks 5-26, refunded at 40 %.
    CHECK(a.costs.at(refund_line, 6) == Approx(-4000.0));
}

TEST_CASE("the staff's caseload caps the places in the solution", "[simulation]") {
    scenario sc = single_state(100, 6.0);
    sc.select.min_sectors = 0;
    sc.select.capacity = 60;
    sc.org.staff_fte = 4.5;
    sc.org.salary_key = {{"s", 1.0}};
    sc.org.caseload = 7.0;  // floor(4.5 * 7) = 31 places, fewer than the 60 of the selection
    const model m = compile(sc);
    CHECK(m.solution_capacity == 31);
    CHECK(simulate_arm(m, 1, 0, arm::solution).admitted == 31);
    sc.org.caseload = 0.1;
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains("organisation.caseload: staff_fte (4.5) x caseload (0.1) leaves no place in the solution"));
}
