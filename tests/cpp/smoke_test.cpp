#include <catch2/catch.hpp>

#include "tvaer/model.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/simulation.hpp"

TEST_CASE("the ladder reference model runs", "[simulation]") {
    const auto m = tvaer::compile(tvaer::ladder_scenario(200));
    const auto r = tvaer::simulate_replication(m, 1, 0);
    REQUIRE(r.arms[0].events > 0);
}
