// The warm-up (population.warmup_months): the population runs under business as usual for a
// whole number of years before month 0, then both arms go on from the same warmed-up state
// (simulator.hpp; docs/model.md, "Warm-up").
//
// Nothing in the warm-up can tell the arms apart: no family is inside the solution, none is
// considered for it (arrivals wait for begin_horizon), and the solution's staff, coordination,
// places by year and scheduled arrivals count from month 0. So the two arms draw the same
// numbers and take the same paths until begin_horizon selects. The warm-up's bookings go into
// the run's first months, which drop_warmup removes: every output counts from month 0.
#include "simulator.hpp"

#include <algorithm>

namespace tvaer::detail {

void simulator::begin_horizon(double t) {
    started_ = true;
    if (arm_ == arm::solution) {
        select_families(t);
        schedule_capacity_changes();
    } else if (fam_) {
        for (std::uint32_t first = 0; first < members_.size(); first = family_end(first)) {
            if (!members_[first].gone) note_candidates(first, family_end(first), t);
        }
    }
}

namespace {
// `v` holds `groups` blocks of `periods` rows of equal width; keeps rows [skip, periods) of each.
template <class V>
void drop_rows(V& v, std::size_t groups, std::size_t periods, std::size_t skip) {
    if (v.empty()) return;
    const std::size_t width = v.size() / (groups * periods);
    const std::size_t kept = periods - skip;
    for (std::size_t g = 0; g < groups; ++g) {
        const auto from = v.begin() + static_cast<std::ptrdiff_t>((g * periods + skip) * width);
        std::copy(from, from + static_cast<std::ptrdiff_t>(kept * width), v.begin() + static_cast<std::ptrdiff_t>(g * kept * width));
    }
    v.resize(groups * kept * width);
}
}  // namespace

void simulator::drop_warmup() {
    const auto w = static_cast<std::size_t>(warmup_);
    out_.costs.drop_months(w);
    out_.occupancy.drop_months(w);
    out_.queue.drop_months(w);
    for (auto* v : {&out_.transitions, &out_.requests, &out_.starts, &out_.dropped}) drop_rows(*v, 1, months_, w);
    drop_rows(out_.wait_months, 1, months_, w);
    for (auto* v : {&out_.group_requests, &out_.group_starts, &out_.group_dropped, &out_.group_redirected, &out_.group_placed}) {
        drop_rows(*v, 2, months_, w);
    }
    for (auto* v : {&out_.group_wait_months, &out_.group_decision_wait, &out_.group_place_wait}) drop_rows(*v, 2, months_, w);
    if (fam_) drop_rows(out_.family_costs, out_.family_admitted.size(), years_, w / 12);
    for (auto& month : out_.family_admitted) {
        if (month >= 0) month -= static_cast<std::int32_t>(w);  // admitted at month 0 or later
    }
    std::erase_if(out_.bookings, [&](const booking& b) { return b.month < w; });
    for (auto& b : out_.bookings) b.month = static_cast<std::uint16_t>(b.month - w);
}

}  // namespace tvaer::detail
