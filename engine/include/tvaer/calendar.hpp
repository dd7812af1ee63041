#pragma once
/// The future-event set: a calendar queue of fixed-width time buckets over [0, horizon].
///
/// Ordering contract: events pop in increasing time; events at the same time pop in the order
/// they were pushed, so a run is reproducible. Cancellation is lazy: the model stamps each event
/// with a generation tag and ignores events whose tag is stale when they pop (see
/// docs/design.md, "calendar").
///
/// Layout (docs/performance.md): two levels. A few thousand coarse buckets cover the horizon;
/// a push appends the event to its coarse bucket's chain of 256-byte chunks, whose tails stay
/// in cache because there are few of them. When the clock reaches a coarse bucket, its events are
/// copied out in push order, counting-sorted into one fine slot per event and finished by an
/// insertion sort (stable: push order breaks ties, so no sequence number is stored). Events
/// pushed into the bucket being drained go to a small binary heap ordered by (time, sequence);
/// they were pushed after every drained event, so on equal times the drained event goes first.
/// Chunks are recycled last-in first-out; no heap allocation happens after the run's peak.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace tvaer {

namespace detail {
/// An allocator for the engine's large arrays (member records, calendar chunks): blocks of 4 MiB
/// or more are aligned to 2 MiB and offered to the kernel as transparent huge pages, which cuts
/// the TLB misses of random access at a million families (docs/performance.md). Smaller blocks
/// come from std::allocator. Throws std::bad_alloc like it.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

template <class T>
struct big_allocator {
    using value_type = T;
    static constexpr std::size_t huge_page = std::size_t{2} << 20;
    static constexpr std::size_t threshold = std::size_t{4} << 20;
    big_allocator() = default;
    template <class U>
    big_allocator(const big_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < threshold) return std::allocator<T>{}.allocate(n);
        const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
        void* p = std::aligned_alloc(huge_page, rounded);
        if (p == nullptr) throw std::bad_alloc();
        advise_huge_pages(p, rounded);
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < threshold) {
            std::allocator<T>{}.deallocate(p, n);
        } else {
            std::free(p);
        }
    }
    template <class U>
    bool operator==(const big_allocator<U>&) const noexcept { return true; }
};
}  // namespace detail

struct event {
    double time = 0.0;
    std::uint32_t target = 0;  ///< what the event is about (a member, an instance, ...)
    std::uint32_t tag = 0;     ///< kind and generation, interpreted by the model
};

class calendar {
public:
    /// An empty calendar for events in [0, horizon]; `expected_pending` sizes the buckets.
    /// Throws std::invalid_argument if horizon is not positive and finite.
    calendar(double horizon, std::size_t expected_pending);

    /// Schedules an event. Returns false (and stores nothing) if `time` lies beyond the horizon.
    /// Throws std::invalid_argument if `time` is earlier than the last popped event or is NaN.
    bool push(double time, std::uint32_t target, std::uint32_t tag) {
        if (!(time >= now_)) throw_earlier(time);
        if (time > horizon_) return false;
        ++size_;
        const std::size_t bi = bucket_of(time);
        if (bi < opened_) {
            push_late(event{time, target, tag});
            return true;
        }
        bucket& b = buckets_[bi];
        const std::uint32_t slot = b.count % chunk_events;
        if (slot == 0) append_chunk(b);
        chunks_[b.tail].ev[slot] = event{time, target, tag};
        ++b.count;
        return true;
    }

    /// Removes the earliest event into `out`; returns false when the calendar is empty.
    bool pop(event& out) {
        if (next_ < drain_.size() && late_.empty()) {  // the common case, inline
            out = drain_[next_++];
            now_ = out.time;
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
    [[nodiscard]] double now() const noexcept { return now_; }
    [[nodiscard]] double horizon() const noexcept { return horizon_; }
    /// Bytes held by the chunk pool, the bucket table and the drain buffer (for memory reports).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    static constexpr std::uint32_t chunk_events = 16;
    struct alignas(64) chunk {
        event ev[chunk_events];
    };
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
    void spread(double lo, double width);
    void push_late(const event& e);
    void append_chunk(bucket& b);
    bool pop_slow(event& out);
    [[noreturn]] void throw_earlier(double time) const;
    std::uint32_t new_chunk();
    [[nodiscard]] std::size_t bucket_of(double time) const noexcept {
        const auto b = static_cast<std::size_t>(time * inverse_width_);
        return b < buckets_.size() - 1 ? b : buckets_.size() - 1;
    }

    double horizon_;
    double width_;
    double inverse_width_;
    double now_ = 0.0;
    std::size_t size_ = 0;
    std::vector<chunk, detail::big_allocator<chunk>> chunks_;
    std::vector<std::uint32_t> chunk_next_;  // chain links, parallel to chunks_
    std::uint32_t free_ = nil;               // recycled chunks, last freed first
    std::vector<bucket> buckets_;
    std::size_t opened_ = 0;       // buckets [0, opened_) have been opened
    std::vector<event> drain_;     // the open bucket, sorted by time (stable); [next_, end) pending
    std::size_t next_ = 0;
    std::vector<event> scratch_;   // counting-sort buffer
    std::vector<std::uint32_t> slots_;
    std::vector<late_event> late_;  // min-heap on (time, seq) of pushes into the open bucket
    std::uint64_t late_seq_ = 0;
};

}  // namespace tvaer
