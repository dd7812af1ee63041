#pragma once
/// The FIFO in which requests wait for an intervention's slot or a state's place (the simulator's
/// queues): 8 bytes a request (docs/performance.md, "Memory and locality at a million families").
///
/// A request is the member who made it, the spell it was made in (it is dropped when it reaches
/// the front unless the member is still in that spell) and the tick it was made at. The member
/// takes a word; the spell (17 bits) and the tick's low 15 bits share the other. The tick's high
/// 17 bits are stored once per change, as a marker entry (a member index no member has) before
/// the first request whose tick has them. Requests join in time order, so a queue holds at most
/// one marker per 2^15 ticks (a 64th of a month at a ten-year horizon) it spans; a request that
/// joins out of order only costs a marker. Every 32-bit tick comes back exactly, saturated ones
/// (time_grid::saturated) included.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace tvaer::detail {

/// A request as it joins and leaves the queue.
struct queued {
    std::uint32_t t_request;  ///< tick it was made
    std::uint32_t member;     ///< below request_fifo::marker
    std::uint32_t spell;      ///< below 2^request_fifo::spell_bits
};

/// std::deque holds the entries in blocks of 512 bytes that are freed as the queue drains, so a
/// long queue costs about 8 bytes a request.
class request_fifo {
public:
    static constexpr std::uint32_t spell_bits = 17;
    static constexpr std::uint32_t low_bits = 32 - spell_bits;  ///< of the tick, beside the spell
    static constexpr std::uint32_t marker = 0xffffffffu;         ///< not a member: a marker entry

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// Requests waiting (markers not counted).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Bytes held at the longest (requests and markers): whole blocks (libstdc++'s deque blocks
    /// are 512 bytes) and the block map.
    [[nodiscard]] std::size_t peak_bytes() const noexcept {
        constexpr std::size_t per_block = 512 / sizeof(entry);
        return (peak_ / per_block + 2) * (512 + sizeof(void*));
    }
    void push(const queued& r) {
        const std::uint32_t high = r.t_request >> low_bits;
        if (high != back_high_) {
            q_.push_back(entry{marker, high});
            back_high_ = high;
            ++held_;
        }
        q_.push_back(entry{r.member, r.spell | (r.t_request << spell_bits)});
        peak_ = std::max(peak_, ++held_);
        ++size_;
    }
    /// The oldest request; the queue must not be empty.
    queued pop() {
        entry e = take();
        if (e.member == marker) {
            front_high_ = e.word;
            e = take();
        }
        --size_;
        return queued{(front_high_ << low_bits) | (e.word >> spell_bits), e.member, e.word & spell_mask};
    }

private:
    static constexpr std::uint32_t spell_mask = (std::uint32_t{1} << spell_bits) - 1;
    struct entry {
        std::uint32_t member;  // or marker
        std::uint32_t word;    // spell | tick's low bits << spell_bits; a marker: the tick's high bits
    };
    static_assert(sizeof(entry) == 8);
    entry take() {
        const entry e = q_.front();
        q_.pop_front();
        --held_;
        return e;
    }
    std::deque<entry> q_;
    std::size_t size_ = 0;  // requests (deque's size() is a computation)
    std::size_t held_ = 0;  // requests and markers
    std::size_t peak_ = 0;  // of held_
    // The high bits of the last request pushed, and of the front request: both start at 0, and
    // once every marker has been popped they are equal again.
    std::uint32_t back_high_ = 0;
    std::uint32_t front_high_ = 0;
};

}  // namespace tvaer::detail
