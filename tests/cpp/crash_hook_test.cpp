// The results writer's test crash hook (engine/src/crash_hook.hpp, private to the engine): what
// TVAER_TEST_CRASH_AT accepts. Crashing at each stage is tested end to end in
// tests/python/test_kill_safety.py (a killed process needs a process of its own).
#include <catch2/catch.hpp>

#include "../../engine/src/crash_hook.hpp"

namespace crash_hook = tvaer::detail::crash_hook;
using crash_hook::stage;

TEST_CASE("TVAER_TEST_CRASH_AT names a stage and which arrival at it, counted from 1") {
    CHECK_FALSE(crash_hook::parse("").has_value());
    const auto committed = crash_hook::parse("committed:3");
    REQUIRE(committed.has_value());
    CHECK(committed->at == stage::committed);
    CHECK(committed->n == 3);
    CHECK(crash_hook::parse("journaled:1")->at == stage::journaled);
    CHECK(crash_hook::parse("extending:12")->at == stage::extending);
    CHECK(crash_hook::parse("extending:12")->n == 12);
    CHECK(crash_hook::parse("appended:2")->at == stage::appended);
}

TEST_CASE("an invalid TVAER_TEST_CRASH_AT is an error naming the variable, what it expects and the value") {
    const std::string expected = "TVAER_TEST_CRASH_AT: expected <stage>:<n> with <stage> one of committed, journaled, "
                                 "extending, appended and <n> an integer >= 1, got '";
    for (const char* bad : {"committed", "committed:", "committed:0", "committed:-1", "committed:2x", "commited:2",
                            ":2", "appended:99999999999999999999999", "journaled 2"}) {
        CAPTURE(bad);
        REQUIRE_THROWS_AS(crash_hook::parse(bad), std::invalid_argument);
        REQUIRE_THROWS_WITH(crash_hook::parse(bad), expected + bad + "'");
    }
}
