#include "tvaer/calendar.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tvaer {

void detail::advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, bytes, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
}

namespace {
// Heap order for late events: the root is the smallest (tick, seq).
template <class L>
bool later(const L& a, const L& b) {
    return a.ev.tick > b.ev.tick || (a.ev.tick == b.ev.tick && a.seq > b.seq);
}
}  // namespace

time_grid::time_grid(double horizon) {
    if (!(horizon > 0.0) || !std::isfinite(horizon)) {
        throw std::invalid_argument("time grid: horizon must be positive and finite, got " + std::to_string(horizon));
    }
    // The finest power of two 2^e with horizon / 2^e <= 2^28: then 16 horizons still fit in
    // 32-bit ticks below `saturated` (pending clocks beyond the horizon keep their time).
    int e = std::ilogb(horizon) - 28;
    while (std::ldexp(horizon, -e) > static_cast<double>(max_horizon_ticks)) ++e;
    tick_ = std::ldexp(1.0, e);
    per_month_ = std::ldexp(1.0, -e);
    horizon_ticks_ = static_cast<std::uint32_t>(std::floor(horizon * per_month_));
}

std::uint32_t time_grid::nan_ticks(double t) {
    throw std::invalid_argument("time grid: time is not a number (" + std::to_string(t) + ")");
}

calendar::calendar(std::uint32_t horizon_ticks, std::size_t expected_pending) : horizon_(horizon_ticks) {
    if (horizon_ticks == 0 || horizon_ticks == 0xffffffffu) {
        throw std::invalid_argument("calendar: horizon must be between 1 and 2^32 - 2 ticks, got " +
                                    std::to_string(horizon_ticks));
    }
    // About 32 expected pending events per coarse bucket, from 256 buckets up to 4097 (what 2^28
    // ticks need for buckets of 2^16): narrow enough that few events land in the open bucket,
    // where they go through the late heap. The caller's estimate (two per family) is low for
    // scenarios with interventions and a flow of families, whose requests, decisions and
    // arrivals often fall within a bucket of a few weeks: at 128 a bucket, Furesø scaled to
    // 10,000 families pushed 18 % of its events onto a heap of up to 1,773; and the shipped
    // scenarios' own few hundred families ran 5 to 17 % faster with at most 256 buckets (241 over
    // 60 or 120 months) than with 16 (docs/performance.md, "Nineteenth pass: narrower buckets" and "...: at
    // least 256 buckets"). On the ladder at 10,000 families, 64 to 256 events a bucket measured
    // within noise of each other, and 8 was slower (its appending tails spread over 2,049
    // buckets). Buckets are 2^shift_ ticks wide, so a bucket is a shift. Buckets of 2^16 ticks or
    // less (a large population) keep their ticks in 2 bytes (narrow_; docs/performance.md,
    // "Memory and locality at a million families").
    const std::size_t n = std::clamp<std::size_t>(expected_pending / 32, 256, (time_grid::max_horizon_ticks >> narrow_shift) + 1);
    while ((static_cast<std::size_t>(horizon_ticks) >> shift_) + 1 > n) ++shift_;
    narrow_ = shift_ <= narrow_shift;
    lines_per_chunk_ = narrow_ ? 3 : 4;
    buckets_.assign((static_cast<std::size_t>(horizon_ticks) >> shift_) + 1, bucket{});
    // Room for the expected events and a partly filled chunk in every other bucket.
    const std::size_t chunks = expected_pending / chunk_events + buckets_.size() / 2;
    lines_.reserve(chunks * lines_per_chunk_);
    chunk_next_.reserve(chunks);
}

void calendar::reserve_as(const calendar& other) {
    lines_.reserve(other.lines_.capacity());
    chunk_next_.reserve(other.chunk_next_.capacity());
}

std::uint32_t calendar::new_chunk() {
    if (free_ != nil) {
        const std::uint32_t id = free_;
        free_ = chunk_next_[id];
        chunk_next_[id] = nil;
        return id;
    }
    const std::size_t id = chunk_next_.size();
    if (lines_.size() == lines_.capacity()) {
        // Grow by an eighth, not the vector's usual doubling: the chunks are most of the
        // calendar's memory (docs/performance.md).
        const std::size_t more = id + id / 8 + 16;
        lines_.reserve(more * lines_per_chunk_);
        chunk_next_.reserve(more);
    }
    lines_.resize(lines_.size() + lines_per_chunk_);
    chunk_next_.push_back(nil);
    return static_cast<std::uint32_t>(id);
}

void calendar::throw_earlier(std::uint32_t tick) const {
    throw std::invalid_argument("calendar: event tick " + std::to_string(tick) +
                                " is earlier than the current tick " + std::to_string(now_));
}

void calendar::append_chunk(bucket& b) {
    const std::uint32_t id = new_chunk();
    (b.head == nil ? b.head : chunk_next_[b.tail]) = id;
    b.tail = id;
}

void calendar::push_late(const event& e) {
    late_.push_back(late_event{e, late_seq_++});
    std::push_heap(late_.begin(), late_.end(), later<late_event>);
    late_top_ = late_.front().ev.tick;
}

// Sorts the bucket's events into drain_ straight from its chunks and recycles the chunks: a
// stable counting sort into fine slots (one event a slot on average; push order is kept within
// a slot), then an insertion sort, which has little left to do unless many events share a slot.
// (Two events a slot mispredicted the insertion sort's exit about once in two events; one a slot
// halves its moves for a prefix sum twice as long: docs/performance.md, "Twelfth pass".)
void calendar::open(bucket& b, std::size_t index) {
    const std::size_t n = b.count;
    const auto lo = static_cast<std::uint32_t>(index << shift_);
    const std::uint32_t high = lo & 0xffff0000u;  // narrow_: the ticks' bits above their offsets
    const std::size_t fine = n + 1;
    auto slot_of = [&](std::uint32_t t) { return (static_cast<std::uint64_t>(t - lo) * fine) >> shift_; };
    // Calls f(event) for the bucket's events in push order; `narrow` is narrow_, as a constant.
    auto each_as = [&](auto narrow, auto&& f) {
        std::size_t left = n;
        for (std::uint32_t id = b.head; id != nil; id = chunk_next_[id]) {
            if (const std::uint32_t next = chunk_next_[id]; next != nil) {  // the whole next chunk
                for (std::uint32_t l = 0; l < lines_per_chunk_; ++l) __builtin_prefetch(chunk_at(next) + 64 * l);
            }
            const unsigned char* c = chunk_at(id);
            const std::size_t m = std::min<std::size_t>(left, chunk_events);
            for (std::size_t i = 0; i < m; ++i) {
                event e;
                std::memcpy(&e.target, c + i * sizeof e.target, sizeof e.target);
                if constexpr (decltype(narrow)::value) {
                    std::uint16_t offset;
                    std::memcpy(&offset, c + ticks_at + i * sizeof offset, sizeof offset);
                    e.tick = high | offset;
                } else {
                    std::memcpy(&e.tick, c + ticks_at + i * sizeof e.tick, sizeof e.tick);
                }
                f(e);
            }
            left -= m;
        }
    };
    auto each = [&](auto&& f) {
        if (narrow_) {
            each_as(std::true_type{}, f);
        } else {
            each_as(std::false_type{}, f);
        }
    };
    slots_.assign(fine + 1, 0);
    each([&](const event& e) { ++slots_[slot_of(e.tick) + 1]; });
    for (std::size_t i = 1; i <= fine; ++i) slots_[i] += slots_[i - 1];
    drain_.resize(n);
    each([&](const event& e) { drain_[slots_[slot_of(e.tick)]++] = e; });
    next_ = 0;
    for (std::uint32_t id = b.head; id != nil;) {
        const std::uint32_t next = chunk_next_[id];
        chunk_next_[id] = free_;
        free_ = id;
        id = next;
    }
    b = bucket{};
    for (std::size_t i = 1; i < n; ++i) {
        const event e = drain_[i];
        std::size_t j = i;
        for (; j > 0 && e.tick < drain_[j - 1].tick; --j) drain_[j] = drain_[j - 1];
        drain_[j] = e;
    }
}

bool calendar::pop_slow(event& out) {
    if (size_ == 0) return false;
    while (next_ == drain_.size() && late_.empty()) {
        if (opened_ == buckets_.size()) return false;
        if (buckets_[opened_].count != 0) open(buckets_[opened_], opened_);
        ++opened_;
    }
    if (!late_.empty() && (next_ == drain_.size() || late_.front().ev.tick < drain_[next_].tick)) {
        out = late_.front().ev;
        std::pop_heap(late_.begin(), late_.end(), later<late_event>);
        late_.pop_back();
        late_top_ = late_.empty() ? 0xffffffffu : late_.front().ev.tick;
    } else {
        out = drain_[next_++];
    }
    now_ = out.tick;
    --size_;
    return true;
}

std::size_t calendar::memory_bytes() const noexcept {
    return lines_.capacity() * sizeof(line) + chunk_next_.capacity() * sizeof(std::uint32_t) +
           buckets_.capacity() * sizeof(bucket) + drain_.capacity() * sizeof(event) +
           slots_.capacity() * sizeof(std::uint32_t) + late_.capacity() * sizeof(late_event);
}

}  // namespace tvaer
