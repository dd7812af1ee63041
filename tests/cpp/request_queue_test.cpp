#include "tvaer/request_queue.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "tvaer/calendar.hpp"

using tvaer::detail::queued;
using tvaer::detail::request_fifo;

namespace {
bool same(const queued& a, const queued& b) {
    return a.t_request == b.t_request && a.member == b.member && a.spell == b.spell;
}
}  // namespace

TEST_CASE("request queue gives back every tick, member and spell in order, at the edges of the tick's split",
          "[request_queue]") {
    // Ticks on both sides of the split at 2^15, up to the horizon of a 2^28-tick grid, beyond it
    // and saturated (16 horizons); one joins out of order; spells up to 2^17 - 1, members up to
    // 2^28 - 1.
    const std::vector<queued> in = {
        {0, 0, 0},
        {0x7fff, 1, 1},
        {0x8000, 2, 0x1ffff},
        {0x8001, 3, 5},
        {5, 4, 6},  // earlier than the one before it
        {(1u << 28) - 1, (1u << 28) - 1, 0x1ffff},
        {1u << 28, 6, 0},
        {tvaer::time_grid::saturated, 7, 0x10000},
        {tvaer::time_grid::saturated, 8, 3},
    };
    request_fifo q;
    for (const auto& r : in) q.push(r);
    REQUIRE(q.size() == in.size());
    for (const auto& r : in) {
        REQUIRE_FALSE(q.empty());
        REQUIRE(same(q.pop(), r));
    }
    REQUIRE(q.empty());
    // Emptied and filled again, with the last tick's high bits and then with others.
    for (const auto& r : in) q.push(r);
    std::size_t wrong = 0;
    for (const auto& r : in) wrong += !same(q.pop(), r);
    REQUIRE(wrong == 0);
}

TEST_CASE("request queue interleaves joins and departures", "[request_queue]") {
    request_fifo q;
    std::vector<queued> expected;
    std::size_t front = 0;
    std::uint32_t tick = 0;
    std::size_t wrong = 0;
    for (std::uint32_t i = 0; i < 100'000; ++i) {
        tick += (i * 2654435761u) % 20'000;  // steps of up to 20,000 ticks: high bits change often
        q.push({tick, i, i & 0x1ffff});
        expected.push_back({tick, i, i & 0x1ffff});
        if (i % 3 != 0) wrong += !same(q.pop(), expected[front++]);
    }
    while (!q.empty()) wrong += !same(q.pop(), expected[front++]);
    REQUIRE(wrong == 0);
    REQUIRE(front == expected.size());
}

TEST_CASE("request queue holds 8 bytes a request and a marker per 2^15 ticks", "[request_queue]") {
    // 6,400 requests one tick apart: no marker (their high bits are those the queue starts with),
    // 100 blocks of 64 entries of 8 bytes; the count adds the two blocks of the map's room.
    request_fifo q;
    for (std::uint32_t i = 0; i < 6400; ++i) q.push({i, i, 0});
    REQUIRE(q.peak_bytes() == (6400 / 64 + 2) * (512 + sizeof(void*)));
    // 6,400 more, 2^15 ticks apart: a marker before each.
    request_fifo r;
    for (std::uint32_t i = 0; i < 6400; ++i) r.push({(i + 1) << 15, i, 0});
    REQUIRE(r.peak_bytes() == (12800 / 64 + 2) * (512 + sizeof(void*)));
    REQUIRE(r.size() == 6400);
}
