// The steady state of an open population (steady_state.hpp): Laplace transforms of sojourns
// against closed forms, the mix against hand-solved two-state populations, and a simulated open
// population started in it staying level.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "builders.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"
#include "tvaer/steady_state.hpp"

using namespace tvaer;
using Catch::Contains;
using tvaer::test::to;

namespace {

// One-member families on track "person": A -> B at `alpha`, B -> A at `beta` (0: absorbing),
// arriving in A at `arrivals` a month and leaving at `leave` a month.
scenario two_states(double alpha, double beta, double leave, double arrivals = 10.0) {
    scenario sc = test::single_state({"employment"}, {});
    track& t = sc.tracks[0];
    t.initial = {1.0, 0.0};
    std::vector<transition> back;
    if (beta > 0.0) back.push_back(to("A", beta));
    t.states = {state{"A", {to("B", alpha)}, std::nullopt, {test::cost("employment", 1000)}},
                state{"B", back, std::nullopt, {}}};
    sc.people.arrivals_per_month = arrivals;
    sc.people.leave_rate = leave;
    sc.people.initial = initial_mix::steady_state;
    const double level = leave > 0.0 ? arrivals / leave : 0.0;  // a level count: a / r
    sc.families = level >= 1.0 ? static_cast<std::uint32_t>(level) : 100;
    sc.horizon_months = 60.0;
    return sc;
}

}  // namespace

TEST_CASE("steady state: Laplace transforms of sojourns match their closed forms", "[steady_state]") {
    const double r = 0.03;
    CHECK(laplace_transform(sojourn::exponential(0.1), r) == Approx(0.1 / 0.13).epsilon(1e-12));
    CHECK(laplace_transform(sojourn::fixed(12.0), r) == Approx(std::exp(-0.36)).epsilon(1e-12));
    // Weibull of shape 1 is the exponential of rate 1 / scale.
    CHECK(laplace_transform(sojourn::weibull(1.0, 20.0), r) == Approx(1.0 / (1.0 + r * 20.0)).epsilon(1e-7));
    // Weibull of shape 2 (Rayleigh): 1 - x sqrt(pi) / 2 e^{x^2/4} erfc(x / 2), x = r * scale.
    const double x = r * 20.0;
    CHECK(laplace_transform(sojourn::weibull(2.0, 20.0), r) ==
          Approx(1.0 - x * std::sqrt(M_PI) / 2.0 * std::exp(x * x / 4.0) * std::erfc(x / 2.0)).epsilon(1e-7));
    // Uniform on [0, 10] (an empirical distribution of two points): (1 - e^{-10r}) / (10r).
    CHECK(laplace_transform(sojourn::empirical({0.0, 10.0}), r) == Approx((1.0 - std::exp(-10.0 * r)) / (10.0 * r)).epsilon(1e-7));
    REQUIRE_THROWS_WITH(laplace_transform(sojourn::fixed(1.0), 0.0), "laplace_transform: r must be > 0 and finite, got 0");
}

TEST_CASE("steady state: two states with competing rates, solved by hand", "[steady_state]") {
    // pi (rI - Q) = r a with a = (1, 0): pi_A = (r + beta) / (r + alpha + beta).
    const double alpha = 0.1, beta = 0.05, r = 0.03;
    const model m = compile(two_states(alpha, beta, r));
    const auto mix = steady_state_mix(m.tracks[0], {1.0, 0.0}, r);
    CHECK(mix[0] == Approx((r + beta) / (r + alpha + beta)).epsilon(1e-12));
    CHECK(mix[1] == Approx(alpha / (r + alpha + beta)).epsilon(1e-12));
    // As families stay longer (r -> 0) the mix tends to the closed chain's stationary beta / (alpha + beta).
    CHECK(steady_state_mix(m.tracks[0], {1.0, 0.0}, 1e-9)[0] == Approx(beta / (alpha + beta)).epsilon(1e-6));
    // The compiled model carries it for the first families; arrivals keep `initial`.
    CHECK(m.tracks[0].stock_cdf[0] == Approx(mix[0]).epsilon(1e-12));
    CHECK(m.tracks[0].initial_cdf[0] == 1.0);
}

TEST_CASE("steady state: a fixed sojourn before an absorbing state", "[steady_state]") {
    // Arriving in A, leaving A after exactly 12 months for B, which is kept: a family of age a is
    // in B when a > 12, so pi_B = P(Exp(r) > 12) = e^{-12 r}.
    scenario sc = two_states(0.1, 0.0, 0.03);
    sc.tracks[0].states[0].duration = sojourn::fixed(12.0);
    sc.tracks[0].states[0].transitions = {transition{"B", 0.0, 1.0}};
    const model m = compile(sc);
    const auto mix = steady_state_mix(m.tracks[0], {1.0, 0.0}, 0.03);
    CHECK(mix[1] == Approx(std::exp(-0.36)).epsilon(1e-12));
    CHECK(mix[0] == Approx(1.0 - std::exp(-0.36)).epsilon(1e-12));
}

TEST_CASE("steady state: a simulated open population started in it stays level", "[steady_state]") {
    // Exponential clocks (a clock restarted at t = 0 is then as good as one running: the mix is
    // the whole state). Share of member-months in A, first year and fifth year against the
    // formula, over 20 replications of 2,000 families.
    scenario sc = two_states(0.1, 0.0, 0.03, 60.0);
    sc.tracks[0].states[1].duration = sojourn::exponential(1.0 / 33.0);
    sc.tracks[0].states[1].transitions = {transition{"A", 0.0, 1.0}};
    const model m = compile(sc);
    const double want = steady_state_mix(m.tracks[0], {1.0, 0.0}, 0.03)[0];
    std::vector<double> first, fifth;
    for (std::uint32_t rep = 0; rep < 20; ++rep) {
        const arm_result a = simulate_arm(m, 7, rep, arm::bau);
        const auto share = [&](std::size_t from) {
            double in_a = 0.0, all = 0.0;
            for (std::size_t month = from; month < from + 12; ++month) {
                in_a += a.occupancy.at(0, month);
                all += a.occupancy.at(0, month) + a.occupancy.at(1, month);
            }
            return in_a / all;
        };
        first.push_back(share(0));
        fifth.push_back(share(48));
    }
    CHECK(test::mean(first) == Approx(want).margin(4 * test::standard_error(first)));
    CHECK(test::mean(fifth) == Approx(want).margin(4 * test::standard_error(fifth)));
    // Without it the first families start in A, as arrivals do: far from the steady state.
    sc.people.initial = initial_mix::tracks;
    const arm_result as_written = simulate_arm(compile(sc), 7, 0, arm::bau);
    CHECK(as_written.occupancy.at(1, 0) < 0.05 * as_written.occupancy.at(0, 0));
}

TEST_CASE("steady state: the scenario must be an open, generated population", "[steady_state]") {
    scenario sc = two_states(0.1, 0.05, 0.0);
    REQUIRE_THROWS_WITH(sc.validate(), Contains("population.initial: \"steady_state\" needs families leaving: "
                                                "population.leave_rate must be > 0, got 0"));
    sc = two_states(0.1, 0.05, 0.03, 0.0);
    REQUIRE_THROWS_WITH(sc.validate(), Contains("population.initial: \"steady_state\" needs families arriving: "
                                                "population.arrivals_per_month must be > 0, got 0"));
    sc = two_states(0.1, 0.05, 0.03);
    sc.people.table_file = "families.csv";
    REQUIRE_THROWS_WITH(sc.validate(), Contains("population.initial: \"steady_state\" generates the first families; "
                                                "it cannot go with population.table"));
    REQUIRE_THROWS_WITH(steady_state_mix(compile(two_states(0.1, 0.05, 0.03)).tracks[0], {1.0}, 0.03),
                        "steady_state_mix: 1 arrival shares for 2 states");
}
