#pragma once
/// The future-event set: a calendar queue of fixed-width time buckets over [0, horizon].
///
/// Ordering contract: events pop in increasing time; events at the same time pop in the order
/// they were pushed (a per-run sequence number breaks ties), so a run is reproducible.
/// Cancellation is lazy: the model stamps each event with a generation tag and ignores events
/// whose tag is stale when they pop (see docs/design.md, "calendar").
///
/// Layout: events live in one pool of 24-byte nodes linked per bucket; a bucket is sorted only
/// when the clock reaches it, so a push is O(1) and a pop is O(log b) for b events in the bucket.
/// No heap allocation happens after the pool has grown to the run's peak size.
#include <cstdint>
#include <vector>

namespace tvaer {

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
    bool push(double time, std::uint32_t target, std::uint32_t tag);

    /// Removes the earliest event into `out`; returns false when the calendar is empty.
    bool pop(event& out);

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] double now() const noexcept { return now_; }
    [[nodiscard]] double horizon() const noexcept { return horizon_; }
    /// Bytes held by the pool and bucket table (for memory reports).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    struct node {
        double time;
        std::uint32_t seq;
        std::uint32_t target;
        std::uint32_t tag;
        std::uint32_t next;
    };
    static constexpr std::uint32_t nil = 0xffffffffu;

    bool open_next_bucket();
    [[nodiscard]] std::size_t bucket_of(double time) const noexcept;

    double horizon_;
    double inverse_width_;
    double now_ = 0.0;
    std::size_t size_ = 0;
    std::uint32_t next_seq_ = 0;
    std::vector<node> pool_;
    std::uint32_t free_ = nil;
    std::vector<std::uint32_t> heads_;  // one linked list per bucket
    std::size_t current_ = 0;           // bucket being drained
    std::vector<node> drain_;           // the current bucket, sorted by (time, seq) descending
};

}  // namespace tvaer
