// Which members a compiled cost applies to (costs.hpp).
#include "tvaer/costs.hpp"

#include <catch2/catch.hpp>

using tvaer::detail::applies_to;
using tvaer::detail::booked_cost;

TEST_CASE("a cost without a benefit type applies to every member - one with a type only to its own", "[costs]") {
    struct person {
        unsigned benefit;
    };
    const booked_cost any{0, 100.0, 0.0, -1};
    const booked_cost second{0, 100.0, 0.0, 1};
    for (unsigned b = 0; b < 64; ++b) CHECK(applies_to(any, person{b}));
    CHECK(applies_to(second, person{1}));
    CHECK_FALSE(applies_to(second, person{0}));
    CHECK_FALSE(applies_to(second, person{2}));
}
