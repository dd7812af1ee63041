#pragma once
/// The future-event set: a calendar queue of fixed-width time buckets over [0, horizon], with
/// times on the engine's grid (time_grid, below).
///
/// Ordering contract: events pop in increasing time; events at the same time pop in the order
/// they were pushed, so a run is reproducible. Cancellation is lazy: the model ignores an event
/// whose time no longer matches what it is about when it pops (a member's pending transition, an
/// intervention's end; see docs/design.md, "calendar").
///
/// Layout (docs/performance.md): two levels. A few thousand coarse buckets cover the horizon;
/// a push appends the event to its coarse bucket's chain of chunks of 32 events, whose tails
/// stay in cache because there are few of them. A chunk holds its events' payloads, then their
/// ticks: as 16-bit offsets from the bucket's first tick when buckets are at most 2^16 ticks
/// wide (6 bytes an event, three cache lines a chunk: large populations, where the chunks are
/// most of the memory), else whole (8 bytes an event, four lines). When the clock reaches a
/// coarse bucket, its events are counting-sorted straight from the chunks into fine slots (two
/// events a slot on average) and finished by an insertion sort (stable: push order breaks ties,
/// so no sequence number is stored). Events pushed into the bucket being drained go to a small
/// binary heap ordered by (tick, sequence); they were pushed after every drained event, so on
/// equal ticks the drained event goes first. Chunks are recycled last-in first-out; no heap
/// allocation happens after the run's peak.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace tvaer {

namespace detail {
/// An allocator for the engine's large arrays (member records, calendar chunks): blocks of 4 MiB
/// or more are aligned to 2 MiB and offered to the kernel as transparent huge pages, which cuts
/// the TLB misses of random access at a million families (docs/performance.md). Smaller blocks
/// are aligned to a 64-byte cache line. Throws std::bad_alloc like std::allocator.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

template <class T>
struct big_allocator {
    using value_type = T;
    static constexpr std::size_t huge_page = std::size_t{2} << 20;
    static constexpr std::size_t threshold = std::size_t{4} << 20;
    big_allocator() = default;
    template <class U>
    big_allocator(const big_allocator<U>&) noexcept {}
    static constexpr std::align_val_t line{64};
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        // Smaller blocks start on a cache line, so records that share a line (the two 16-byte
        // members of a family of two) never straddle two.
        if (bytes < threshold) return static_cast<T*>(::operator new(bytes, line));
        const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
        void* p = std::aligned_alloc(huge_page, rounded);
        if (p == nullptr) throw std::bad_alloc();
        advise_huge_pages(p, rounded);
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < threshold) {
            ::operator delete(p, line);
        } else {
            std::free(p);
        }
    }
    template <class U>
    bool operator==(const big_allocator<U>&) const noexcept { return true; }
};
}  // namespace detail

/// The engine's clock: times are months (double) on a grid of 2^e months, the finest power of two
/// for which the horizon is at most 2^28 ticks (2^-21 months, about 1.3 seconds, at a ten-year
/// horizon; docs/design.md, "time grid"). Every event time is a grid point, exactly representable
/// as a double, so cost accrual between events stays exact; a drawn duration is rounded up to the
/// next grid point. Ticks fit in 32 bits, which keeps events at 8 bytes and member records at 16.
class time_grid {
public:
    static constexpr std::uint32_t max_horizon_ticks = std::uint32_t{1} << 28;
    /// Throws std::invalid_argument if horizon is not positive and finite.
    explicit time_grid(double horizon);
    /// The first grid point at or after t (t >= 0), as ticks; anything beyond 2^32 - 2 ticks
    /// (16 horizons and more) saturates there. NaN is an error.
    [[nodiscard]] std::uint32_t ceil(double t) const {
        const double x = t * per_month_;  // exact: per_month_ is a power of two
        if (x < saturated) {
            if (!(x > 0.0)) return 0u;
            // Truncate and step up (std::ceil is a library call without SSE4.1; signed 64-bit
            // conversions are single instructions).
            const auto i = static_cast<std::int64_t>(x);
            return static_cast<std::uint32_t>(i + (static_cast<double>(i) < x ? 1 : 0));
        }
        return x == x ? saturated : nan_ticks(t);
    }
    [[nodiscard]] double months(std::uint32_t ticks) const noexcept {
        return static_cast<double>(static_cast<std::int64_t>(ticks)) * tick_;
    }
    [[nodiscard]] std::uint32_t horizon_ticks() const noexcept { return horizon_ticks_; }
    [[nodiscard]] double tick() const noexcept { return tick_; }
    static constexpr std::uint32_t saturated = 0xfffffffeu;  ///< "16 horizons or later"

private:
    [[noreturn]] static std::uint32_t nan_ticks(double t);
    double tick_;       // months per tick, a power of two
    double per_month_;  // its inverse, also a power of two: t * per_month_ is exact
    std::uint32_t horizon_ticks_;
};

/// A pending event: its grid time and a 32-bit payload the model interprets (what it is about).
struct event {
    std::uint32_t tick = 0;
    std::uint32_t target = 0;
};

class calendar {
public:
    /// An empty calendar for events at ticks [0, horizon_ticks]; `expected_pending` sizes the
    /// buckets. Throws std::invalid_argument if horizon_ticks is 0 or 2^32 - 1.
    calendar(std::uint32_t horizon_ticks, std::size_t expected_pending);

    /// Schedules an event. Returns false (and stores nothing) if `tick` lies beyond the horizon.
    /// Throws std::invalid_argument if `tick` is earlier than the last popped event.
    bool push(std::uint32_t tick, std::uint32_t target) {
        if (tick < now_) throw_earlier(tick);
        if (tick > horizon_) return false;
        ++size_;
        const std::size_t bi = tick >> shift_;
        if (bi < opened_) {
            push_late(event{tick, target});
            return true;
        }
        bucket& b = buckets_[bi];
        const std::uint32_t slot = b.count % chunk_events;
        if (slot == 0) append_chunk(b);
        unsigned char* c = chunk_at(b.tail);
        std::memcpy(c + slot * sizeof target, &target, sizeof target);
        if (narrow_) {
            // The bucket lies in one aligned block of 2^16 ticks: the low 16 bits tell its ticks apart.
            const auto offset = static_cast<std::uint16_t>(tick);
            std::memcpy(c + ticks_at + slot * sizeof offset, &offset, sizeof offset);
        } else {
            std::memcpy(c + ticks_at + slot * sizeof tick, &tick, sizeof tick);
        }
        ++b.count;
        return true;
    }

    /// Removes the earliest event into `out`; returns false when the calendar is empty.
    bool pop(event& out) {
        // The common case, inline: the open bucket's next event is due no later than the earliest
        // late one (on equal ticks it goes first: it was pushed earlier).
        if (next_ < drain_.size() && drain_[next_].tick <= late_top_) {
            out = drain_[next_++];
            now_ = out.tick;
            --size_;
            return true;
        }
        return pop_slow(out);
    }

    /// The event `ahead` places after the next one to pop, if it is already known (in the
    /// bucket being drained); nullptr otherwise. A hint for prefetching, never an order promise
    /// beyond the current bucket.
    [[nodiscard]] const event* lookahead(std::size_t ahead) const noexcept {
        const std::size_t i = next_ + ahead;
        return i < drain_.size() ? &drain_[i] : nullptr;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::uint32_t now() const noexcept { return now_; }
    [[nodiscard]] std::uint32_t horizon() const noexcept { return horizon_; }
    /// Bytes held by the chunk pool, the bucket table and the drain buffer (for memory reports).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// Room for as many chunks as `other` has room for. A copy of a calendar holds its chunks
    /// only, not the room reserved for the expected events: without this, a copy grows its chunk
    /// pool an eighth at a time, copying it each time.
    void reserve_as(const calendar& other);

private:
    // A chunk: 32 payloads (128 bytes), then 32 ticks: offsets of 2 bytes (narrow_) or whole
    // ticks of 4. Its bytes are written and read with memcpy (single moves).
    static constexpr std::uint32_t chunk_events = 32;
    static constexpr std::size_t ticks_at = chunk_events * sizeof(std::uint32_t);
    static constexpr std::uint32_t narrow_shift = 16;  // the widest bucket whose offsets fit 2 bytes
    struct alignas(64) line {
        unsigned char bytes[64];
    };
    // A chunk's bytes: it spans lines_per_chunk_ lines (the pointer is the array's, not one line's).
    [[nodiscard]] unsigned char* chunk_at(std::uint32_t id) noexcept {
        return reinterpret_cast<unsigned char*>(lines_.data()) + std::size_t{id} * lines_per_chunk_ * sizeof(line);
    }
    [[nodiscard]] const unsigned char* chunk_at(std::uint32_t id) const noexcept {
        return reinterpret_cast<const unsigned char*>(lines_.data()) + std::size_t{id} * lines_per_chunk_ * sizeof(line);
    }
    struct bucket {
        std::uint32_t head = nil;  // first chunk (nil: empty)
        std::uint32_t tail = nil;  // last chunk, where pushes append
        std::uint32_t count = 0;   // events in the bucket
    };
    struct late_event {
        event ev;
        std::uint64_t seq;
    };
    static constexpr std::uint32_t nil = 0xffffffffu;

    void open(bucket& b, std::size_t index);
    void push_late(const event& e);
    void append_chunk(bucket& b);
    bool pop_slow(event& out);
    [[noreturn]] void throw_earlier(std::uint32_t tick) const;
    std::uint32_t new_chunk();

    std::uint32_t horizon_;
    std::uint32_t shift_ = 0;  // a coarse bucket is 2^shift_ ticks wide
    std::uint32_t now_ = 0;
    std::size_t size_ = 0;
    bool narrow_ = false;               // ticks kept as 16-bit offsets (shift_ <= narrow_shift)
    std::uint32_t lines_per_chunk_ = 4;  // 3 when narrow_
    std::vector<line, detail::big_allocator<line>> lines_;  // the chunks, lines_per_chunk_ lines each
    std::vector<std::uint32_t> chunk_next_;  // chain links, one per chunk
    std::uint32_t free_ = nil;               // recycled chunks, last freed first
    std::vector<bucket> buckets_;
    std::size_t opened_ = 0;       // buckets [0, opened_) have been opened
    std::vector<event> drain_;     // the open bucket, sorted by tick (stable); [next_, end) pending
    std::size_t next_ = 0;
    std::vector<std::uint32_t> slots_;  // counting-sort offsets
    std::vector<late_event> late_;  // min-heap on (tick, seq) of pushes into the open bucket
    std::uint32_t late_top_ = 0xffffffffu;  // tick of late_'s root (all ones: empty)
    std::uint64_t late_seq_ = 0;
};

}  // namespace tvaer
