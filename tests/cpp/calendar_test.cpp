#include "tvaer/calendar.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <utility>

using tvaer::calendar;
using tvaer::event;
using tvaer::time_grid;

TEST_CASE("calendar pops in time order", "[calendar]") {
    calendar cal(1000, 8);
    cal.push(500, 1);
    cal.push(100, 2);
    cal.push(950, 3);
    cal.push(0, 4);
    event e;
    std::vector<std::uint32_t> order;
    while (cal.pop(e)) order.push_back(e.target);
    REQUIRE(order == std::vector<std::uint32_t>{4, 2, 1, 3});
    REQUIRE(cal.empty());
}

TEST_CASE("calendar breaks ties by insertion order", "[calendar]") {
    calendar cal(1000, 4);
    for (std::uint32_t i = 0; i < 100; ++i) cal.push(300, i);
    event e;
    for (std::uint32_t i = 0; i < 100; ++i) {
        REQUIRE(cal.pop(e));
        REQUIRE(e.target == i);
    }
}

TEST_CASE("calendar drops events beyond the horizon and keeps the horizon itself", "[calendar]") {
    calendar cal(1200, 4);
    REQUIRE_FALSE(cal.push(1201, 1));
    REQUIRE(cal.push(1200, 2));
    event e;
    REQUIRE(cal.pop(e));
    REQUIRE(e.tick == 1200);
    REQUIRE_FALSE(cal.pop(e));
}

TEST_CASE("calendar rejects events in the past", "[calendar]") {
    calendar cal(1000, 4);
    cal.push(500, 1);
    event e;
    cal.pop(e);
    REQUIRE_THROWS_WITH(cal.push(499, 2), Catch::Contains("event tick 499 is earlier than the current tick 500"));
    REQUIRE_THROWS_WITH(calendar(0, 4), Catch::Contains("horizon must be between 1 and 2^32 - 2 ticks, got 0"));
}

TEST_CASE("calendar matches a multimap reference on a long random run with pushes while popping",
          "[calendar]") {
    // The second horizon: a 120-month grid; the third: 2^28 ticks, the most a grid has. With a
    // million expected events the buckets are at most 2^16 ticks wide and the ticks are kept as
    // 16-bit offsets; with 500, whole.
    for (const auto& [horizon, expected] : {std::pair{100'000u, 500u}, std::pair{251'658'240u, 500u},
                                            std::pair{251'658'240u, 1'000'000u}, std::pair{268'435'456u, 1'000'000u}}) {
        calendar cal(horizon, expected);
        std::multimap<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> ref;  // (tick, seq) -> target
        std::mt19937_64 gen(42);
        std::uniform_int_distribution<std::uint32_t> delay(0, horizon / 14);
        std::uint64_t seq = 0;
        std::uint32_t now = 0;
        auto push = [&](std::uint64_t t, std::uint32_t target) {
            t = t / 25 * 25;  // a coarse grid, so that many ties occur
            if (t < now) t = now;
            const auto tick = static_cast<std::uint32_t>(std::min<std::uint64_t>(t, 0xfffffffeu));
            const bool stored = cal.push(tick, target);
            REQUIRE(stored == (tick <= horizon));
            if (stored) ref.emplace(std::make_pair(tick, seq), target);
            ++seq;
        };
        for (std::uint32_t i = 0; i < 1000; ++i) push(std::uint64_t{delay(gen)} * 10, i);
        event e;
        std::uint32_t next_id = 1000;
        std::size_t popped = 0;
        while (cal.pop(e)) {
            REQUIRE_FALSE(ref.empty());
            const auto it = ref.begin();
            REQUIRE(e.tick == it->first.first);
            REQUIRE(e.target == it->second);
            ref.erase(it);
            now = e.tick;
            ++popped;
            const int births = static_cast<int>(gen() % 3);  // 0, 1 or 2 new events, some at `now`
            for (int b = 0; b < births && next_id < 60000; ++b)
                push(std::uint64_t{now} + (gen() % 4 == 0 ? 0 : delay(gen)), next_id++);
        }
        REQUIRE(ref.empty());
        REQUIRE(popped > 10000);
    }
}

TEST_CASE("calendar of a large population keeps 6 bytes an event and every tick exact, at bucket edges and the horizon",
          "[calendar]") {
    const std::uint32_t horizon = 251'658'240u;  // a 120-month grid: buckets of 2^16 ticks
    calendar cal(horizon, std::size_t{1} << 20);
    // Ticks on both sides of every multiple of 2^16, and the horizon, pushed in a scrambled order.
    std::vector<std::uint32_t> ticks;
    for (std::uint32_t k = 1; k <= horizon >> 16; ++k)
        for (const std::uint32_t d : {0u, 1u, 0xffffu})
            if (const std::uint32_t t = (k << 16) - d; t <= horizon) ticks.push_back(t);
    ticks.push_back(0);
    ticks.push_back(horizon);
    std::mt19937_64 gen(7);
    std::shuffle(ticks.begin(), ticks.end(), gen);
    for (std::uint32_t i = 0; i < ticks.size(); ++i) REQUIRE(cal.push(ticks[i], i));
    // Then 2^20 events in all at uniform ticks: with 8 bytes an event they would need
    // 2^20 x 8 bytes (8 MiB) of chunks alone; at 6 bytes, 6 MiB and the partly filled chunks.
    std::vector<std::uint32_t> all = ticks;
    while (all.size() < (std::size_t{1} << 20)) {
        const auto t = static_cast<std::uint32_t>(gen() % (std::uint64_t{horizon} + 1));
        cal.push(t, static_cast<std::uint32_t>(all.size()));
        all.push_back(t);
    }
    REQUIRE(cal.size() == all.size());
    REQUIRE(cal.memory_bytes() < (std::size_t{8} << 20));
    // Pops give every tick back, in order of (tick, push order).
    std::vector<std::uint32_t> order(all.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return all[a] < all[b]; });
    event e;
    std::size_t wrong = 0;
    for (const std::uint32_t i : order) wrong += !cal.pop(e) || e.target != i || e.tick != all[i];
    REQUIRE(wrong == 0);
    REQUIRE_FALSE(cal.pop(e));
}

TEST_CASE("time grid: powers of two, horizon within 2^28 ticks, times rounded up", "[calendar]") {
    const time_grid g(120.0);  // 2^6 < 120 <= 2^7: ticks of 2^-21 months
    REQUIRE(g.tick() == std::ldexp(1.0, -21));
    REQUIRE(g.horizon_ticks() == 120u << 21);
    REQUIRE(g.horizon_ticks() <= time_grid::max_horizon_ticks);
    REQUIRE(g.ceil(12.0) == 12u << 21);  // whole and dyadic months are grid points
    REQUIRE(g.months(g.ceil(0.375)) == 0.375);
    REQUIRE(g.ceil(0.0) == 0u);
    // A third of a month lies between two grid points: the next one is taken.
    const std::uint32_t third = g.ceil(1.0 / 3.0);
    REQUIRE(g.months(third) >= 1.0 / 3.0);
    REQUIRE(g.months(third) - 1.0 / 3.0 < g.tick());
    REQUIRE(g.ceil(1.0 / 3.0 + g.tick() / 4) == third);
    // A horizon of exactly 2^7 months still fits: 2^28 ticks of 2^-21.
    REQUIRE(time_grid(128.0).horizon_ticks() == time_grid::max_horizon_ticks);
    REQUIRE(time_grid(129.0).tick() == std::ldexp(1.0, -20));
    REQUIRE(time_grid(1.0).tick() == std::ldexp(1.0, -28));
    // Far clocks saturate instead of wrapping; infinity too.
    REQUIRE(g.ceil(1e9) == time_grid::saturated);
    REQUIRE(g.ceil(std::numeric_limits<double>::infinity()) == time_grid::saturated);
    REQUIRE(g.ceil(16 * 120.0) == 1920u << 21);
    REQUIRE_THROWS_WITH(g.ceil(std::nan("")), Catch::Contains("time grid: time is not a number"));
    REQUIRE_THROWS_WITH(time_grid(-1.0), Catch::Contains("horizon must be positive and finite, got -1"));
}
