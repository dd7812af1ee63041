// Places in states with a queue (tracks.states.queue): a member bound for a full state waits in
// its when_full state and moves in when a place frees. Expected values are hand-computed
// timelines of fixed durations, and Erlang C for Poisson arrivals and exponential stays.
#include <catch2/catch.hpp>
#include <cmath>

#include "builders.hpp"
#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"

using namespace tvaer;

namespace {

using tvaer::test::cost;
using tvaer::test::line_total;
using tvaer::test::mean;
const auto se = tvaer::test::standard_error;

state fixed_state(const char* name, double months, const char* to, std::vector<cost_rate> costs = {}) {
    state s{name, {transition{to, 0.0, 1.0}}, sojourn::fixed(months), std::move(costs)};
    return s;
}

// One child per family. "referred" (1 DKK a month, children) -> "own" after 1 month; "own": 1
// place, 4 months (40,000 a month), then "home"; a member finding it full waits "outside"
// (90,000 a month, no way out of its own) when `queue` is set, else stays there.
scenario one_place(std::optional<queue_discipline> queue, double horizon = 24.0) {
    scenario sc;
    sc.horizon_months = horizon;
    sc.sectors = {"children", "employment"};
    track child;
    child.name = "child";
    child.members = {0.0, 1.0};
    state own = fixed_state("own", 4.0, "home", {cost("children", 40000.0)});
    own.capacity = 1;
    own.when_full = "outside";
    own.queue = queue;
    child.states = {fixed_state("referred", 1.0, "own", {cost("children", 1.0)}), own,
                    state{"outside", {}, std::nullopt, {cost("children", 90000.0)}}, state{"home", {}, std::nullopt, {}}};
    child.initial = {0.0, 1.0, 0.0, 0.0};
    track adult;  // family 2's parent has an employment case: the only family with two sectors
    adult.name = "adult";
    adult.members = {1.0, 0.0};
    adult.initial = {1.0};
    adult.states = {state{"case", {}, std::nullopt, {cost("employment", 1.0)}}};
    sc.tracks = {child, adult};
    sc.select.min_sectors = 2;
    return sc;
}

std::uint32_t row(const model& m, std::size_t track, std::size_t state) { return m.tracks[track].states[state].occupancy_row; }

// A by-group array's sum over months (arm_result::group_placed and the like) for one row.
template <class T>
double group_sum(const model& m, const std::vector<T>& v, int group, std::uint32_t r) {
    double sum = 0.0;
    const std::size_t rows = m.occupancy_rows.size();
    for (std::size_t month = 0; month < m.months; ++month) sum += static_cast<double>(v[(group * m.months + month) * rows + r]);
    return sum;
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

double occupancy_total(const model& m, const arm_result& a, std::uint32_t r) {
    double sum = 0.0;
    for (std::size_t month = 0; month < m.months; ++month) sum += a.occupancy.at(r, month);
    return sum;
}

}  // namespace

TEST_CASE("members waiting for one place take it in turn, each waiting until the one before leaves", "[places]") {
    // Three children start bound for the one place at t = 0: the first takes it, the second and
    // third wait outside. The first leaves at 4, the second moves in (waited 4) and leaves at 8,
    // the third moves in (waited 8) and leaves at 12.
    scenario sc = one_place(queue_discipline::fifo);
    sc.families = 3;
    sc.select.min_sectors = 99;  // nobody in the solution: the arms are the same
    const model m = compile(sc);
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    const auto own = row(m, 0, 1), outside = row(m, 0, 2);
    CHECK(group_sum(m, a.group_redirected, 0, own) == 2.0);
    CHECK(group_sum(m, a.group_placed, 0, own) == 2.0);
    CHECK(group_sum(m, a.group_place_wait, 0, own) == Approx(4.0 + 8.0));
    CHECK(a.group_place_wait[4 * m.occupancy_rows.size() + own] == Approx(4.0));  // month 4
    CHECK(a.group_place_wait[8 * m.occupancy_rows.size() + own] == Approx(8.0));  // month 8
    // The place is taken for 12 months; outside, 4 + 8 member-months of waiting.
    CHECK(occupancy_total(m, a, own) == Approx(12.0));
    CHECK(occupancy_total(m, a, outside) == Approx(12.0));
    CHECK(a.occupancy.at(own, 13) == 0.0);
    // Costs: 12 x 40,000 inside, 12 x 90,000 outside (the waiting state's cost is the wait's).
    double own_cost = 0.0, outside_cost = 0.0;
    for (std::size_t l = 0; l < m.lines.size(); ++l) {
        if (m.lines[l].source == "child/own") own_cost += line_total(a, l);
        if (m.lines[l].source == "child/outside") outside_cost += line_total(a, l);
    }
    CHECK(own_cost == Approx(12 * 40000.0));
    CHECK(outside_cost == Approx(12 * 90000.0));
}

TEST_CASE("without a queue a member sent to when_full stays there", "[places]") {
    scenario sc = one_place(std::nullopt);
    sc.families = 3;
    sc.select.min_sectors = 99;
    const model m = compile(sc);
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    CHECK(occupancy_total(m, a, row(m, 0, 2)) == Approx(2 * 24.0));  // two children outside all along
    CHECK(occupancy_total(m, a, row(m, 0, 1)) == Approx(4.0));
    CHECK(a.group_placed.empty());  // no queue, no array
}

namespace {

// Family 0's child starts in the place; families 1 and 2 are referred and bound for it at t = 1,
// family 1 first (its clock was set first). Family 2 alone has two sectors: it is inside the
// solution (from t = 0) in the solution arm.
model referred_pair(queue_discipline q) {
    scenario sc = one_place(q);
    sc.people.table = {{0, "child", "own", ""}, {1, "child", "referred", ""}, {2, "child", "referred", ""},
                       {2, "adult", "case", ""}};
    return compile(sc);
}

}  // namespace

TEST_CASE("solution_first places a solution family's child ahead of an ordinary one who waited as long",
          "[places]") {
    // Both wait from t = 1; the place frees at 4 and at 8. First in line moves in at 4 (waited
    // 3), the other at 8 (waited 7).
    const model first = referred_pair(queue_discipline::solution_first);
    const auto own = row(first, 0, 1);
    const arm_result sol = simulate_arm(first, 1, 0, arm::solution);
    CHECK(sol.admitted == 1);
    CHECK(group_sum(first, sol.group_placed, 1, own) == 1.0);
    CHECK(group_sum(first, sol.group_place_wait, 1, own) == Approx(3.0));  // family 2 went first
    CHECK(group_sum(first, sol.group_placed, 0, own) == 1.0);
    CHECK(group_sum(first, sol.group_place_wait, 0, own) == Approx(7.0));
    CHECK(group_sum(first, sol.group_redirected, 1, own) == 1.0);
    CHECK(group_sum(first, sol.group_redirected, 0, own) == 1.0);
    // Business as usual: nobody is inside, family 1 asked first and goes first.
    const arm_result bau = simulate_arm(first, 1, 0, arm::bau);
    CHECK(group_sum(first, bau.group_place_wait, 0, own) == Approx(3.0 + 7.0));
    CHECK(bau.group_place_wait[4 * first.occupancy_rows.size() + own] == Approx(3.0));

    // fifo: in order of joining, whatever the group.
    const model fifo = referred_pair(queue_discipline::fifo);
    const arm_result in_order = simulate_arm(fifo, 1, 0, arm::solution);
    CHECK(group_sum(fifo, in_order.group_place_wait, 1, own) == Approx(7.0));
    CHECK(group_sum(fifo, in_order.group_place_wait, 0, own) == Approx(3.0));
}

TEST_CASE("a member that left its waiting state no longer waits: the place goes to the next", "[places]") {
    // As the first case, but the waiting state has a way out at t = 2 (fixed 2 months: the
    // second and third child go home at 2, before the place frees at 4): nobody is placed.
    scenario sc = one_place(queue_discipline::fifo);
    sc.families = 3;
    sc.select.min_sectors = 99;
    sc.tracks[0].states[2] = fixed_state("outside", 2.0, "home", {cost("children", 90000.0)});
    const model m = compile(sc);
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    const auto own = row(m, 0, 1);
    CHECK(group_sum(m, a.group_placed, 0, own) == 0.0);
    CHECK(occupancy_total(m, a, row(m, 0, 2)) == Approx(2 * 2.0));
    CHECK(occupancy_total(m, a, own) == Approx(4.0));
}

TEST_CASE("Poisson arrivals at places with a queue wait as Erlang C says", "[places]") {
    // Families arrive at lambda = 2 a month, each with a child bound at once for 3 places held for
    // an exponential time of mean 1.2 months (a = 2.4, rho = 0.8): Wq = C(3, 2.4) / (3 mu - lambda)
    // = 0.6472 / 0.5 = 1.2944 months (by hand, as for the interventions' queue). At rho = 0.8 the
    // wait is steep in the load (a 1 % lower load lowers Wq by about 4 %), so each replication is
    // compared with Erlang C at its own realised arrival rate and mean stay, and the nominal rate
    // and stay are checked apart.
    CHECK(erlang_c(3, 2.4) / (3 / 1.2 - 2.0) == Approx(1.2944).epsilon(1e-3));
    scenario sc;
    sc.horizon_months = 1200.0;
    sc.families = 1;
    sc.sectors = {"children"};
    sc.people.arrivals_per_month = 2.0;
    sc.select.min_sectors = 99;
    track child;
    child.name = "child";
    child.members = {0.0, 1.0};
    child.initial = {1.0, 0.0, 0.0};
    state own{"own", {transition{"home", 1.0 / 1.2, 0.0}}, std::nullopt, {cost("children", 0.0, 1.0)}};
    own.capacity = 3;
    own.when_full = "waiting";
    own.queue = queue_discipline::fifo;
    child.states = {own, state{"waiting", {}, std::nullopt, {}}, state{"home", {}, std::nullopt, {}}};
    sc.tracks = {child};
    const model m = compile(sc);
    const auto r = row(m, 0, 0);
    const std::size_t rows = m.occupancy_rows.size();
    const std::size_t out_row = m.tracks[0].states[0].transition_row;  // own -> home
    std::size_t line = 0;  // the one-off on entering a place, families treated as usual
    while (!(m.lines[line].source == "child/own" && m.lines[line].group == treatment::usual)) ++line;
    std::vector<double> wait_gap, share_gap, rates, stays;
    for (std::uint32_t rep = 0; rep < 24; ++rep) {
        const arm_result a = simulate_arm(m, 5, rep, arm::bau);
        double w = 0.0, entries = 0.0, redirected = 0.0, arrivals = 0.0, held = 0.0, left = 0.0;
        constexpr std::size_t warm_up = 100;
        for (std::size_t month = warm_up; month < m.months; ++month) {
            const double in = a.costs.at(line, month);  // 1 DKK on each entry into a place, direct or from the queue
            entries += in;
            w += a.group_place_wait[month * rows + r];
            redirected += a.group_redirected[month * rows + r];
            arrivals += in - a.group_placed[month * rows + r] + a.group_redirected[month * rows + r];
            held += a.occupancy.at(r, month);
            left += a.transitions[month * m.transition_rows.size() + out_row];
        }
        const double lambda = arrivals / static_cast<double>(m.months - warm_up), mu = left / held;
        const double c = erlang_c(3, lambda / mu);
        wait_gap.push_back(w / entries - c / (3 * mu - lambda));
        share_gap.push_back(redirected / arrivals - c);
        rates.push_back(lambda);
        stays.push_back(1.0 / mu);
    }
    INFO("wait gap " << mean(wait_gap) << " +- " << se(wait_gap) << ", share gap " << mean(share_gap) << " +- "
                     << se(share_gap) << ", rate " << mean(rates) << ", stay " << mean(stays));
    CHECK(std::abs(mean(wait_gap)) < 3.29 * se(wait_gap));
    CHECK(std::abs(mean(share_gap)) < 3.29 * se(share_gap));  // P(wait) = C
    CHECK(std::abs(mean(rates) - 2.0) < 3.29 * se(rates));
    CHECK(std::abs(mean(stays) - 1.2) < 3.29 * se(stays));
}
