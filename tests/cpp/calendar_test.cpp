#include "tvaer/calendar.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <utility>

using tvaer::calendar;
using tvaer::event;

TEST_CASE("calendar pops in time order", "[calendar]") {
    calendar cal(10.0, 8);
    cal.push(5.0, 1, 0);
    cal.push(1.0, 2, 0);
    cal.push(9.5, 3, 0);
    cal.push(0.0, 4, 0);
    event e;
    std::vector<std::uint32_t> order;
    while (cal.pop(e)) order.push_back(e.target);
    REQUIRE(order == std::vector<std::uint32_t>{4, 2, 1, 3});
    REQUIRE(cal.empty());
}

TEST_CASE("calendar breaks ties by insertion order", "[calendar]") {
    calendar cal(10.0, 4);
    for (std::uint32_t i = 0; i < 100; ++i) cal.push(3.0, i, 0);
    event e;
    for (std::uint32_t i = 0; i < 100; ++i) {
        REQUIRE(cal.pop(e));
        REQUIRE(e.target == i);
    }
}

TEST_CASE("calendar drops events beyond the horizon and keeps the horizon itself", "[calendar]") {
    calendar cal(12.0, 4);
    REQUIRE_FALSE(cal.push(12.5, 1, 0));
    REQUIRE(cal.push(12.0, 2, 0));
    event e;
    REQUIRE(cal.pop(e));
    REQUIRE(e.time == 12.0);
    REQUIRE_FALSE(cal.pop(e));
}

TEST_CASE("calendar rejects events in the past", "[calendar]") {
    calendar cal(10.0, 4);
    cal.push(5.0, 1, 0);
    event e;
    cal.pop(e);
    REQUIRE_THROWS_WITH(cal.push(4.0, 2, 0), Catch::Contains("earlier than the current time"));
    REQUIRE_THROWS_WITH(calendar(-1.0, 4), Catch::Contains("horizon must be positive"));
}

TEST_CASE("calendar matches a multimap reference on a long random run with pushes while popping",
          "[calendar]") {
    const double horizon = 100.0;
    calendar cal(horizon, 500);
    std::multimap<std::pair<double, std::uint64_t>, std::uint32_t> ref;  // (time, seq) -> target
    std::mt19937_64 gen(42);
    std::uniform_real_distribution<double> delay(0.0, 7.0);
    std::uint64_t seq = 0;
    double now = 0.0;
    auto push = [&](double t, std::uint32_t target) {
        // Round to a coarse grid so that many ties occur.
        t = std::round(t * 4.0) / 4.0;
        if (t < now) t = now;
        const bool stored = cal.push(t, target, 0);
        REQUIRE(stored == (t <= horizon));
        if (stored) ref.emplace(std::make_pair(t, seq), target);
        ++seq;
    };
    for (std::uint32_t i = 0; i < 1000; ++i) push(delay(gen) * 10.0, i);
    event e;
    std::uint32_t next_id = 1000;
    std::size_t popped = 0;
    while (cal.pop(e)) {
        REQUIRE_FALSE(ref.empty());
        const auto it = ref.begin();
        REQUIRE(e.time == it->first.first);
        REQUIRE(e.target == it->second);
        ref.erase(it);
        now = e.time;
        ++popped;
        const int births = static_cast<int>(gen() % 3);  // 0, 1 or 2 new events, some at `now`
        for (int b = 0; b < births && next_id < 60000; ++b) push(now + (gen() % 4 == 0 ? 0.0 : delay(gen)), next_id++);
    }
    REQUIRE(ref.empty());
    REQUIRE(popped > 10000);
}
