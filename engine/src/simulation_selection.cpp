// Selection into the solution (report sec. 4.2): eligibility, the complexity score, motivation,
// capacity and continuous intake, and moving a family's open spells between treatments
// (simulator.hpp).
#include "simulator.hpp"

#include <bit>

namespace tvaer::detail {

void simulator::select_families() {
    std::vector<candidate> cands;
    for (std::uint32_t first = 0; first < members_.size();) {
        const std::uint32_t end = family_end(first);
        candidate c{};
        if (is_candidate(first, end, c)) {
            cands.push_back(c);
            mark_candidate(first);
        }
        first = end;
    }
    std::sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
        return a.rank > b.rank || (a.rank == b.rank && a.tie < b.tie);
    });
    waiting_.reserve(cands.size());
    recheck_ = m_.spec.select.recheck;
    if (recheck_) classify_eligibility();
    for (const auto& c : cands) {
        waiting_.push_back(c.first);
        if (recheck_) list_family(c.first);
    }
    admit_while_room(0.0);
}

// Eligible and motivated (report sec. 4.2); the draw is keyed by family, so it is the same
// in every arm and scenario.
bool simulator::is_candidate(std::uint32_t first, std::uint32_t end, candidate& c) const {
    double rank = 0.0;
    if (!eligible(first, end, rank)) return false;
    stream s = keyed(members_[first].family, family_slot, purpose_selection, 0);
    const double motivated = s.uniform();
    c = {rank, s.uniform(), first};
    return motivated < m_.spec.select.motivated_share;
}

// A family arriving later joins the end of the waiting list (continuous intake).
void simulator::consider(std::uint32_t first, std::uint32_t end, double t) {
    candidate c{};
    if (!is_candidate(first, end, c)) return;
    mark_candidate(first);
    waiting_.push_back(first);
    if (recheck_) list_family(first);
    admit_while_room(t);
}

void simulator::classify_eligibility() {
    // What eligible() reads of a state for a member with benefit type b: its sectors, and the
    // number of its cost lines (costs[0]) without a type plus those of type b.
    struct counts {
        std::uint32_t sectors = 0;
        std::uint32_t untyped = 0;
        std::vector<int> typed;  // sorted
        bool operator==(const counts&) const = default;
    };
    for (std::size_t tr = 0; tr < m_.tracks.size(); ++tr) {
        const auto& states = m_.tracks[tr].states;
        std::vector<counts> seen;
        auto& cls = eligibility_class_[tr];
        cls.assign(states.size(), 0);
        for (std::size_t st = 0; st < states.size(); ++st) {
            counts c;
            c.sectors = states[st].sectors;
            for (const auto& bc : states[st].costs[0]) {
                if (bc.benefit < 0) {
                    ++c.untyped;
                } else {
                    c.typed.push_back(bc.benefit);
                }
            }
            std::sort(c.typed.begin(), c.typed.end());
            const auto it = std::find(seen.begin(), seen.end(), c);
            cls[st] = static_cast<std::uint16_t>(it - seen.begin());
            if (it == seen.end()) seen.push_back(std::move(c));
        }
    }
}

// selection.recheck: a member of a family outside the solution changed state; a family that is
// neither waiting nor was ever admitted and is now eligible and motivated (the same keyed draw
// as before, so a family that declined declines again) joins the end of the waiting list.
void simulator::reconsider(std::uint32_t mi, double t) {
    const std::uint32_t first = family_first(mi);
    const std::uint32_t f = members_[first].family;
    if (f < listed_.size() && listed_[f]) return;
    consider(first, family_end(first), t);
}

// Eligible by the selection's criteria; `rank` orders the waiting list at the start: the
// complexity score, or the family's current cost per month (selection.rank).
bool simulator::eligible(std::uint32_t first, std::uint32_t end, double& rank) const {
    const auto& sel = m_.spec.select;
    std::uint32_t sectors = 0;
    std::uint32_t services = 0;
    double monthly = 0.0;
    bool included = sel.include_benefits.empty();
    for (std::uint32_t mi = first; mi < end; ++mi) {
        const member& mb = members_[mi];
        const auto& cs = state_of(mb);
        sectors |= cs.sectors;
        for (const auto& bc : cs.costs[0]) {  // the services that apply to this member
            if (applies_to(bc, mb)) {
                ++services;
                monthly += bc.monthly;
            }
        }
        const std::uint64_t bit = std::uint64_t{1} << mb.benefit;
        if ((include_mask_[mb.track] & bit) != 0) included = true;
        if ((exclude_mask_[mb.track] & bit) != 0) return false;
    }
    const auto n_sectors = static_cast<std::uint32_t>(std::popcount(sectors));
    const double score = sel.score_per_sector * n_sectors + sel.score_per_service * services;
    rank = sel.rank == selection_rank::cost ? monthly : score;
    return included && n_sectors >= sel.min_sectors && (sectors & m_.required_sectors) == m_.required_sectors &&
           score >= sel.score_min && score <= sel.score_max;
}

// Places in the solution at time t (months): selection.capacity_by_year's value for the year,
// its last value after it, or the one capacity.
std::uint32_t simulator::places(double t) const {
    const auto& by_year = m_.capacity_by_year;
    if (by_year.empty()) return m_.solution_capacity;
    const auto year = static_cast<std::size_t>(std::max(0.0, t) / 12.0);
    return by_year[std::min(year, by_year.size() - 1)];
}

// A year whose places differ from the year before starts with an event that admits from the
// waiting list while there is room (a smaller number admits nobody until families leave).
void simulator::schedule_capacity_changes() {
    const auto& by_year = m_.capacity_by_year;
    for (std::size_t y = 1; y < by_year.size() && 12.0 * static_cast<double>(y) < horizon_; ++y) {
        if (by_year[y] > by_year[y - 1]) schedule(12.0 * static_cast<double>(y), ev_capacity, static_cast<std::uint32_t>(y));
    }
}

void simulator::admit_while_room(double t) {
    const std::uint32_t cap = places(t);
    while (next_waiting_ < waiting_.size() && (cap == 0 || in_solution_ < cap)) {
        const std::uint32_t first = waiting_[next_waiting_++];
        if (members_[first].gone) continue;
        double rank = 0.0;
        if (recheck_ && !eligible(first, family_end(first), rank)) {  // passed over; may come back
            listed_[members_[first].family] = 0;
            continue;
        }
        admit(first, t);
    }
}

void simulator::admit(std::uint32_t first, double t) {
    const std::uint32_t end = family_end(first);
    ++in_solution_;
    ++out_.admitted;
    if (fam_ && out_.family_admitted[members_[first].family] < 0) {
        out_.family_admitted[members_[first].family] = static_cast<std::int32_t>(month_of(t));
    }
    out_.occupancy.accrue(m_.solution_families_row, 1.0, t, horizon_);
    set_treatment(first, end, true, t);
    if (m_.spec.select.stay) {
        stream s = keyed(members_[first].family, 0xffff, purpose_stay, 0);
        schedule(t + m_.spec.select.stay->sample(s), ev_stay_end, first);
    }
    if (t > 0.0) {
        for (std::uint32_t mi = first; mi < end; ++mi) request_for_state(mi, t);
    }
}

void simulator::leave_solution(std::uint32_t first, double t) {
    if (!members_[first].in_solution) return;  // it left the population first
    const std::uint32_t end = family_end(first);
    --in_solution_;
    out_.occupancy.accrue(m_.solution_families_row, -1.0, t, horizon_);
    set_treatment(first, end, false, t);
    admit_while_room(t);
}

// Moves the family's open spells to the other treatment's ledger lines from time t on: the
// part before t is rebooked now, so the whole spell can still be booked when it ends.
// An open spell is booked in full, on the treatment of the moment, when it ends. So that the
// part before t stays on the old treatment's lines, it is credited there now (factor +1)
// and debited from the new treatment's lines (factor -1) after the switch.
void simulator::set_treatment(std::uint32_t first, std::uint32_t end, bool in, double t) {
    const std::uint32_t n = end - first;
    rate_snapshot before(n);
    const bool rates_change = !m_.solution_effects.empty();
    for (std::uint32_t i = 0; rates_change && i < n; ++i) before[i] = multiplier(first + i);
    for (std::uint32_t mi = first; mi < end; ++mi) {
        book_open_spells(mi, +1.0, t);
        members_[mi].in_solution = in ? 1 : 0;
        book_open_spells(mi, -1.0, t);
    }
    for (std::uint32_t i = 0; rates_change && i < n; ++i) rescale(first + i, before[i], t);
}

void simulator::book_open_spells(std::uint32_t mi, double factor, double t) {
    const member& mb = members_[mi];
    const auto g = static_cast<int>(treat(mb));
    for (const auto& bc : state_of(mb).costs[g]) {
        if (applies_to(bc, mb)) {
            book(mi, bc.line, factor * bc.monthly, months(mb.entry), t);
            book_refund(mi, bc, factor, t);
        }
    }
    for_instances(mi, [&](std::uint32_t id) {
        for (const auto& bc : m_.interventions[pool_[id].iv].costs[g]) {
            if (applies_to(bc, mb)) {
                book(mi, bc.line, factor * bc.monthly, months(pool_[id].start), t);
            }
        }
    });
}

// The business-as-usual arm admits nobody; for the per-family output it records which of the
// families in [first, end) the solution arm's selection would have found to be candidates.
void simulator::note_candidates(std::uint32_t first, std::uint32_t end) {
    candidate c{};
    for (std::uint32_t f = first; f < end; f = family_end(f)) {
        if (is_candidate(f, family_end(f), c)) mark_candidate(f);
    }
}

}  // namespace tvaer::detail
