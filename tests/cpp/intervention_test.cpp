// Interventions and effects (intervention.hpp): compilation, how effects combine and whom they
// act on, the decision time (delay, network meeting, forum), capacity and queues. Expected values
// are worked out by hand.
#include "tvaer/intervention.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "builders.hpp"

using namespace tvaer;
using namespace tvaer::detail;

namespace {

// Track "adult" with states A, B, C; track "child" with states X, Y.
scenario two_tracks() {
    scenario sc;
    sc.horizon_months = 12.0;
    sc.families = 1;
    sc.sectors = {"s"};
    track adult;
    adult.name = "adult";
    adult.members = {0.0, 1.0};
    adult.initial = {1.0, 0.0, 0.0};
    adult.states = {state{"A", {test::to("B", 0.1), test::to("C", 0.2)}, std::nullopt, {}},
                    state{"B", {test::to("C", 0.1)}, std::nullopt, {}}, state{"C", {}, std::nullopt, {}}};
    track child;
    child.name = "child";
    child.members = {1.0};
    child.initial = {1.0, 0.0};
    child.states = {state{"X", {test::to("Y", 0.1)}, std::nullopt, {}}, state{"Y", {}, std::nullopt, {}}};
    sc.tracks = {adult, child};
    return sc;
}

}  // namespace

TEST_CASE("an intervention compiles its states, effects, availability and delays to indices", "[intervention]") {
    scenario sc = two_tracks();
    intervention iv = test::requested_on("mentor", "adult", "B", sojourn::fixed(6.0), {test::cost("s", 100.0)},
                                         {effect{"adult", "A", "C", 1.5}, effect{"child", "X", "Y", 0.5}});
    iv.request_on_entry.push_back("A");
    iv.ends_on_entry = {"C"};
    iv.capacity = 3;
    iv.available = availability::solution;
    iv.decision_delay_solution = sojourn::fixed(0.5);
    iv.queue = queue_discipline::solution_first;
    sc.interventions = {iv};
    const compiled_intervention ci = compile_intervention(sc, 0);
    CHECK(ci.track == 0);
    CHECK(ci.requested_in == 0b011u);  // B and A
    CHECK(ci.ends_mask == 0b100u);     // C
    CHECK(ci.capacity == 3);
    CHECK_FALSE(ci.available[0]);
    CHECK(ci.available[1]);
    CHECK_FALSE(ci.delay[0]);
    CHECK(ci.delay[1]->a == 0.5);
    CHECK(ci.solution_first);
    CHECK(ci.costs[0].empty());  // costs go on ledger lines in compile() (model_test.cpp)
    REQUIRE(ci.effects.size() == 2);
    CHECK(ci.effects[0].track == 0);
    CHECK(ci.effects[0].from == 0);
    CHECK(ci.effects[0].to == 2);
    CHECK(ci.effects[0].multiplier == 1.5);
    CHECK(ci.effects[1].track == 1);
    CHECK(ci.effects[1].from == 0);
    CHECK(ci.effects[1].to == 1);
    CHECK(ci.purpose_duration == purpose_id("intervention/duration/mentor"));
    CHECK(ci.purpose_delay == purpose_id("intervention/delay/mentor"));
}

TEST_CASE("the amount ceiling holds grants by the solution whose expected cost is above it", "[intervention]") {
    organisation org;
    org.ceiling = 10000.0;
    intervention iv = test::requested_on("x", "adult", "A", sojourn::fixed(5.0), {test::cost("s", 1000.0, 2000.0)});
    iv.costs.push_back(test::cost("s", 500.0, 1000.0));  // 3,000 + 1,500 x 5 = 10,500 in all
    iv.grants = authority::solution;
    CHECK(above_ceiling(iv, org));
    iv.grants = authority::shared;
    CHECK(above_ceiling(iv, org));
    iv.grants = authority::sector;  // the sector decides itself: no forum
    CHECK_FALSE(above_ceiling(iv, org));
    iv.grants = authority::solution;
    org.ceiling = 10500.0;  // at the ceiling is not above it
    CHECK_FALSE(above_ceiling(iv, org));
    org.ceiling = 0.0;
    CHECK_FALSE(above_ceiling(iv, org));
}

TEST_CASE("effects multiply the weights of their transitions - several combine by product", "[intervention]") {
    const std::vector<compiled_effect> effects = {
        {0, 0, 2, 1.5},   // adult A -> C
        {0, 0, 2, 2.0},   // again: x 3 in all
        {0, 1, 2, 10.0},  // from B: not in A
        {1, 0, 2, 10.0},  // another track
    };
    const std::vector<std::uint8_t> dest = {1, 2};
    double w[2] = {0.1, 0.2};
    multiply(effects, 0, 0, dest, w);
    CHECK(w[0] == 0.1);
    CHECK(w[1] == Approx(0.6));
    CHECK(combine(effects, 0, 0, 2, 1.0) == 3.0);
    CHECK(combine(effects, 0, 0, 1, 1.0) == 1.0);
    CHECK(combine(effects, 0, 1, 2, 0.5) == 5.0);
    CHECK(acts_on_any(effects, 1, 0));
    CHECK_FALSE(acts_on_any(effects, 1, 1));
    CHECK_FALSE(acts_on_any({}, 0, 0));
}

TEST_CASE("an intervention acts on its holder and on family members on other tracks", "[intervention]") {
    CHECK(counts_for(true, true));    // the holder
    CHECK(counts_for(false, false));  // e.g. the mentor of a parent acts on a child's track
    CHECK_FALSE(counts_for(false, true));  // a sibling on the holder's own track
}

TEST_CASE("a request waits for the decision delay, the network meeting and the forum", "[intervention]") {
    compiled_intervention ci;
    organisation org;
    int asked = 0;
    auto delay_stream = [&] {
        ++asked;
        return stream(1);
    };
    auto meeting_stream = [&] {
        ++asked;
        return stream(2);
    };
    // Business as usual without a delay: decided when made, and nothing is drawn.
    CHECK_FALSE(may_wait_for_decision(ci, treatment::usual));
    CHECK(decision_time(ci, treatment::usual, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == 4.2);
    CHECK(asked == 0);
    ci.delay[0] = sojourn::fixed(0.5);
    CHECK(may_wait_for_decision(ci, treatment::usual));
    CHECK(decision_time(ci, treatment::usual, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == Approx(4.7));
    // Inside the solution a request may always wait (network meetings, the forum).
    CHECK(may_wait_for_decision(ci, treatment::solution));
    CHECK(decision_time(ci, treatment::solution, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == 4.2);
    ci.delay[1] = sojourn::fixed(1.0);
    ci.above_ceiling = true;
    org.forum_every = 2.0;  // forum at 0, 2, 4, ...: decided at 5.2, forum at 6
    CHECK(decision_time(ci, treatment::solution, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == 6.0);
    // Network meetings every 3 months at phase 3u; the forum meets after the network decided.
    org.meeting_every = 3.0;
    stream copy(2);
    const double phase = 3.0 * copy.uniform();
    const double meeting = phase >= 5.2 - 3.0 ? phase + 3.0 : phase + 6.0;  // first at or after 5.2
    const double forum = 2.0 * std::ceil(meeting / 2.0);
    asked = 0;
    CHECK(decision_time(ci, treatment::solution, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == Approx(forum));
    CHECK(asked == 2);
    ci.above_ceiling = false;
    CHECK(decision_time(ci, treatment::solution, org, 4.2, ci.above_ceiling, delay_stream, meeting_stream) == Approx(meeting));
}

TEST_CASE("an intervention has room below its capacity, queues solution families apart when they go first, "
          "and ends on its end states",
          "[intervention]") {
    compiled_intervention ci;
    CHECK(has_room(ci, 1000000));  // capacity 0: unlimited
    ci.capacity = 2;
    CHECK(has_room(ci, 1));
    CHECK_FALSE(has_room(ci, 2));
    CHECK(queue_of(ci, treatment::usual) == 0);
    CHECK(queue_of(ci, treatment::solution) == 0);  // first in, first out: one queue
    ci.solution_first = true;
    CHECK(queue_of(ci, treatment::solution) == 1);
    ci.ends_mask = 0b100;
    CHECK(ends_on(ci, 2));
    CHECK_FALSE(ends_on(ci, 1));
}

TEST_CASE("the granting propensity raises the share granted where the solution grants and another budget pays - "
          "each compensating measure removes its share of the excess",
          "[intervention]") {
    scenario sc = two_tracks();
    sc.interventions = {test::requested_on("x", "adult", "A", sojourn::fixed(5.0), {test::cost("s", 1000.0)})};
    intervention& iv = sc.interventions[0];
    iv.grant_share = 0.5;
    iv.grants = authority::solution;
    iv.pays = authority::sector;
    sc.org.granting.propensity = 1.4;
    compiled_intervention ci = compile_intervention(sc, 0);
    CHECK(ci.grant_share == 0.5);            // business as usual: the payer's own share
    CHECK(ci.grant_below == Approx(0.7));    // 0.5 x 1.4
    CHECK(ci.grant_above == Approx(0.5));    // the forum reviews grants above the ceiling (forum_review 1)
    // A payment model fixed in advance and close follow-up each remove half: 0.4 x 1/4 = 0.1 is left.
    sc.org.granting.payment_model = 0.5;
    sc.org.granting.follow_up = 0.5;
    sc.org.granting.forum_review = 0.5;
    ci = compile_intervention(sc, 0);
    CHECK(ci.grant_below == Approx(0.55));   // 0.5 x 1.1
    CHECK(ci.grant_above == Approx(0.525));  // 0.5 x (1 + 0.4 x 1/8)
    // The solution pays itself, shares the authority, or the sector grants: no separation, no effect.
    const std::pair<authority, authority> joined[] = {{authority::solution, authority::solution},
                                                      {authority::shared, authority::sector},
                                                      {authority::sector, authority::sector}};
    for (const auto& [grants, pays] : joined) {
        iv.grants = grants;
        iv.pays = pays;
        ci = compile_intervention(sc, 0);
        CHECK(ci.grant_below == 0.5);
        CHECK(ci.grant_above == 0.5);
    }
    CHECK(grant_probability(ci, treatment::solution, [] { return true; }) == 0.5);
}

TEST_CASE("the ceiling on the grant's own amount compares one-off plus monthly times its drawn duration",
          "[intervention]") {
    scenario sc = two_tracks();
    sc.org.ceiling = 10000.0;
    sc.org.granting.ceiling_on = ceiling_basis::grant;
    sc.interventions = {test::requested_on("x", "adult", "A", sojourn::exponential(0.5), {test::cost("s", 1000.0, 3000.0)})};
    sc.interventions[0].grants = authority::solution;
    const compiled_intervention ci = compile_intervention(sc, 0);
    CHECK_FALSE(ci.above_ceiling);  // expected cost 3,000 + 1,000 x 2 = 5,000
    REQUIRE(ci.ceiling_per_grant);
    // Each stream's duration d is drawn once here; the grant is above when 3,000 + 1,000 d > 10,000.
    int above = 0;
    for (std::uint64_t k = 0; k < 2000; ++k) {
        stream copy(k);
        const double d = ci.duration.sample(copy);
        const bool is_above = grant_above_ceiling(ci, sc.org, [&] { return stream(k); });
        CHECK(is_above == (3000.0 + 1000.0 * d > 10000.0));
        above += is_above ? 1 : 0;
    }
    // P(d > 7) = exp(-7/2) for the mean-2 exponential: 0.0302, 60 of 2000 (sd 7.7).
    CHECK(std::abs(above - 2000 * std::exp(-3.5)) < 4 * std::sqrt(2000 * std::exp(-3.5)));
    // Without the switch, or when the sector grants, the expected cost decides and nothing is drawn.
    sc.org.granting.ceiling_on = ceiling_basis::expected_cost;
    const compiled_intervention expected = compile_intervention(sc, 0);
    CHECK_FALSE(expected.ceiling_per_grant);
    CHECK_FALSE(grant_above_ceiling(expected, sc.org, []() -> stream { throw std::logic_error("drawn"); }));
}
