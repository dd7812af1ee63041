#include "tvaer/calendar.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace tvaer {

namespace {
// Later-first order, so the next event is at the back of the drain vector.
bool later(double ta, std::uint32_t sa, double tb, std::uint32_t sb) {
    return ta > tb || (ta == tb && sa > sb);
}
}  // namespace

calendar::calendar(double horizon, std::size_t expected_pending) : horizon_(horizon) {
    if (!(horizon > 0.0) || !std::isfinite(horizon)) {
        throw std::invalid_argument("calendar: horizon must be positive and finite, got " +
                                    std::to_string(horizon));
    }
    // About one pending event per bucket keeps both the bucket scan and the sort short.
    const std::size_t buckets = std::clamp<std::size_t>(expected_pending, 64, std::size_t{1} << 24);
    inverse_width_ = static_cast<double>(buckets) / horizon;
    heads_.assign(buckets + 1, nil);  // the last bucket holds t == horizon
    pool_.reserve(expected_pending + 64);
    drain_.reserve(64);
}

std::size_t calendar::bucket_of(double time) const noexcept {
    const auto b = static_cast<std::size_t>(time * inverse_width_);
    return std::min(b, heads_.size() - 1);
}

bool calendar::push(double time, std::uint32_t target, std::uint32_t tag) {
    if (!(time >= now_)) {
        throw std::invalid_argument("calendar: event time " + std::to_string(time) +
                                    " is earlier than the current time " + std::to_string(now_));
    }
    if (time > horizon_) return false;
    if (next_seq_ == std::numeric_limits<std::uint32_t>::max()) {
        throw std::invalid_argument("calendar: more than 2^32 events in one run");
    }
    const std::uint32_t seq = next_seq_++;
    ++size_;
    const std::size_t b = bucket_of(time);
    if (b <= current_) {
        // The bucket being drained (its list is always empty once opened): insert in order
        // into the short sorted drain vector.
        node n{time, seq, target, tag, nil};
        auto pos = std::upper_bound(drain_.begin(), drain_.end(), n, [](const node& a, const node& x) {
            return later(a.time, a.seq, x.time, x.seq);
        });
        drain_.insert(pos, n);
        return true;
    }
    std::uint32_t id;
    if (free_ != nil) {
        id = free_;
        free_ = pool_[id].next;
    } else {
        id = static_cast<std::uint32_t>(pool_.size());
        pool_.push_back({});
    }
    pool_[id] = node{time, seq, target, tag, heads_[b]};
    heads_[b] = id;
    return true;
}

bool calendar::open_next_bucket() {
    while (drain_.empty()) {
        if (heads_[current_] == nil) {
            if (current_ + 1 >= heads_.size()) return false;
            ++current_;
            continue;
        }
        for (std::uint32_t id = heads_[current_]; id != nil;) {
            const std::uint32_t next = pool_[id].next;
            drain_.push_back(pool_[id]);
            pool_[id].next = free_;
            free_ = id;
            id = next;
        }
        heads_[current_] = nil;
        std::sort(drain_.begin(), drain_.end(), [](const node& a, const node& b) {
            return later(a.time, a.seq, b.time, b.seq);
        });
    }
    return true;
}

bool calendar::pop(event& out) {
    if (size_ == 0 || !open_next_bucket()) return false;
    const node& n = drain_.back();
    out = event{n.time, n.target, n.tag};
    now_ = n.time;
    drain_.pop_back();
    --size_;
    return true;
}

std::size_t calendar::memory_bytes() const noexcept {
    return pool_.capacity() * sizeof(node) + heads_.capacity() * sizeof(std::uint32_t) +
           drain_.capacity() * sizeof(node);
}

}  // namespace tvaer
