// Events named in words in simulation errors (simulation_events.cpp): the kind, and the family,
// member, track, state and intervention it is about, as the planner wrote them.
#include "tvaer/simulation.hpp"

#include <catch2/catch.hpp>

#include "builders.hpp"
#include "tvaer/model.hpp"

using namespace tvaer;
using test::cost;

namespace {

// Track "person" with the one state "here", and the intervention "mentor" requested there.
model person_with_mentor() {
    scenario sc = test::single_state({"s"}, {cost("s", 1000.0)});
    sc.interventions = {test::requested_on("mentor", "person", "here", sojourn::fixed(1.0), {cost("s", 10.0)})};
    return compile(sc);
}

detail::event_subject member_subject(int intervention = -1) {
    detail::event_subject s;
    s.family = 12;
    s.member = 1;
    s.track = 0;
    s.state = 0;
    s.intervention = intervention;
    return s;
}

}  // namespace

TEST_CASE("every kind of event is named with what it is about", "[simulation]") {
    const model m = person_with_mentor();
    CHECK(detail::describe_event(m, 0, member_subject()) ==
          "transition of family 12, member 1 (track 'person', state 'here')");
    CHECK(detail::describe_event(m, 1, member_subject(0)) ==
          "end of intervention 'mentor' of family 12, member 1 (track 'person', state 'here')");
    CHECK(detail::describe_event(m, 2, member_subject(0)) ==
          "decision on intervention 'mentor' asked for by family 12, member 1 (track 'person', state 'here')");
    detail::event_subject family;
    family.family = 7;
    CHECK(detail::describe_event(m, 3, family) == "end of the stay in the solution of family 7");
    CHECK(detail::describe_event(m, 5, family) == "family 7 leaving the population");
    detail::event_subject numbered;
    numbered.index = 4;
    CHECK(detail::describe_event(m, 4, numbered) == "arrival of a family (population.arrivals, arrival 4)");
    CHECK(detail::describe_event(m, 4, {}) == "arrival of a family (population.arrivals)");
    CHECK(detail::describe_event(m, 6, numbered) ==
          "change of the solution's places (selection.capacity_by_year, year 5)");
}

TEST_CASE("an event about indices the model does not have still describes what it can", "[simulation]") {
    const model m = person_with_mentor();
    detail::event_subject s = member_subject(3);
    s.state = 9;
    CHECK(detail::describe_event(m, 1, s) == "end of intervention #3 of family 12, member 1 (track 'person', state #9)");
    s.track = 5;
    CHECK(detail::describe_event(m, 0, s) == "transition of family 12, member 1");
    CHECK(detail::describe_event(m, 7, s) == "the end of the warm-up (population.warmup_months): selection at month 0");
    CHECK(detail::describe_event(m, 8, s) == "event of unknown kind 8");
}
