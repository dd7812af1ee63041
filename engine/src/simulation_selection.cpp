// Selection into the solution (report sec. 4.2): eligibility, the complexity score, motivation,
// capacity and continuous intake, and moving a family's open spells between treatments
// (simulator.hpp).
#include "simulator.hpp"

namespace tvaer::detail {

void simulator::select_families(double t) {
    std::vector<candidate> cands;
    for (std::uint32_t first = 0; first < members_.size();) {
        const std::uint32_t end = family_end(first);
        candidate c{};
        if (!members_[first].gone && is_candidate(first, end, t, c)) {
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
    if (m_.spec.select.inherited) admit_inherited(t);
    admit_while_room(t);
}

// selection.inherited (Helsingør: the social workers took their whole caseloads with them,
// report L2652-2664, L5838-5842): before the waiting list is served, share x the places at
// t = 0 (rounded) go to families that do not meet the criteria but have a case in each of
// inherited.sectors (in some sector if none is named). Which of them is a draw keyed by family
// (the smallest draws win), so it is the same in every scenario that draws from the same
// population; fewer such families than places: all of them.
void simulator::admit_inherited(double t) {
    const auto& h = *m_.spec.select.inherited;
    const std::uint32_t want = reserved_places(h.share, places(t));
    std::vector<std::pair<double, std::uint32_t>> pool;  // (draw, first member)
    for (std::uint32_t first = 0; first < members_.size();) {
        const std::uint32_t end = family_end(first);
        std::uint32_t sectors = 0;
        for (std::uint32_t mi = first; mi < end; ++mi) sectors |= state_of(members_[mi]).sectors;
        if (!members_[first].gone && sectors != 0 && (sectors & m_.inherited_sectors) == m_.inherited_sectors &&
            !eligible(first, end, t)) {
            stream s = keyed(members_[first].family, family_slot, purpose_inherited, 0);
            pool.emplace_back(s.uniform(), first);
        }
        first = end;
    }
    const std::size_t n = std::min<std::size_t>(want, pool.size());
    std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n), pool.end());
    inherited_.assign(next_family_, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t first = pool[i].second;
        inherited_[members_[first].family] = 1;
        if (recheck_) list_family(first);  // never on the waiting list as well
        if (!m_.quota.empty() || !m_.case_caps.empty()) hold_places(first, quota_groups(first, family_end(first), t), +1);
        admit(first, t);
    }
}

// A family's stay in the solution ends (selection.stay, or selection.inherited.stay for an
// inherited family). An inherited family whose cases now meet the criteria is no longer one to
// swap out: it keeps its place as an admitted family, with selection.stay from now on.
void simulator::end_stay(std::uint32_t first, double t) {
    const std::uint32_t f = members_[first].family;
    if (f < inherited_.size() && inherited_[f] != 0) {
        inherited_[f] = 0;
        if (members_[first].in_solution && eligible(first, family_end(first), t)) {
            schedule_stay(first, t);
            return;
        }
    }
    leave_solution(first, t);
}

void simulator::schedule_stay(std::uint32_t first, double t) {
    const std::uint32_t f = members_[first].family;
    if (f < inherited_.size() && inherited_[f] != 0) {
        stream s = keyed(f, family_slot, purpose_inherited_stay, 0);
        schedule(t + m_.spec.select.inherited->stay.sample(s), ev_stay_end, first);
    } else if (m_.spec.select.stay) {
        stream s = keyed(f, 0xffff, purpose_stay, 0);
        schedule(t + m_.spec.select.stay->sample(s), ev_stay_end, first);
    }
}

// Eligible and motivated (report sec. 4.2); the draw is keyed by family, so it is the same
// in every arm and scenario.
bool simulator::is_candidate(std::uint32_t first, std::uint32_t end, double t, candidate& c) const {
    rank_keys rank{};
    if (!eligible(first, end, t, &rank)) return false;
    stream s = keyed(members_[first].family, family_slot, purpose_selection, 0);
    const double motivated = s.uniform();
    c = {rank, s.uniform(), first};
    return motivated < m_.spec.select.motivated_share;
}

// A family arriving later joins the end of the waiting list (continuous intake).
void simulator::consider(std::uint32_t first, std::uint32_t end, double t) {
    candidate c{};
    if (!is_candidate(first, end, t, c)) return;
    mark_candidate(first);
    append(waiting_, first);  // past its room it grows by a 32nd, not doubling
    if (recheck_) list_family(first);
    admit_while_room(t);
}

void simulator::classify_eligibility() {
    // selection.age_bands: eligible() also reads the members' ages, which change with the clock,
    // so every state is a class of its own and every transition looks again.
    if (!m_.age_bands.empty()) {
        for (std::size_t tr = 0; tr < m_.tracks.size(); ++tr) {
            auto& cls = eligibility_class_[tr];
            cls.resize(m_.tracks[tr].states.size());
            for (std::size_t st = 0; st < cls.size(); ++st) cls[st] = static_cast<std::uint16_t>(st);
        }
        return;
    }
    // What eligible() reads of a state for a member with benefit type b: its sectors, its
    // complexity weight, and the number of its cost lines (costs[0]) without a type plus those of
    // type b.
    struct counts {
        std::uint32_t sectors = 0;
        double complexity = 0.0;
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
            c.complexity = states[st].complexity;
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

// Eligible at time t by the selection's criteria; `rank` orders the waiting list at the start,
// by selection.rank's keys in turn: the complexity score, the family's current cost per month, or
// the longest time a member has been in its current state with a cost.
bool simulator::eligible(std::uint32_t first, std::uint32_t end, double t, rank_keys* rank) const {
    const auto& sel = m_.spec.select;
    const bool by_duration =
        rank != nullptr && std::find(sel.rank.begin(), sel.rank.end(), selection_rank::duration) != sel.rank.end();
    const bool by_cost = rank != nullptr && std::find(sel.rank.begin(), sel.rank.end(), selection_rank::cost) != sel.rank.end();
    std::uint32_t sectors = 0;
    std::uint32_t services = 0;
    double complexity = 0.0;
    double monthly = 0.0;
    double since = t;
    bool included = sel.include_benefits.empty();
    for (std::uint32_t mi = first; mi < end; ++mi) {
        const member& mb = members_[mi];
        const auto& cs = state_of(mb);
        sectors |= cs.sectors;
        complexity += cs.complexity;
        if (by_duration && cs.sectors != 0) since = std::min(since, stage_start(mi));
        // The services that apply to this member: its state's business-as-usual costs of its
        // benefit type, resolved when the model was compiled (in costs[0]'s order, so `monthly`
        // adds the same numbers in the same order; only read when the waiting list is ranked by
        // cost); testing each cost's type mispredicted.
        const auto services_here = state_costs(mb, treatment::usual);
        services += static_cast<std::uint32_t>(services_here.size());
        if (by_cost)
            for (const auto& bc : services_here) monthly += bc.monthly;
        const std::uint64_t bit = std::uint64_t{1} << mb.benefit;
        if ((include_mask_[mb.track] & bit) != 0) included = true;
        if ((exclude_mask_[mb.track] & bit) != 0) return false;
    }
    const std::uint32_t n_sectors = bit_count(sectors);
    const double score = sel.score_per_sector * n_sectors + sel.score_per_service * services + complexity;
    for (std::size_t k = 0; rank != nullptr && k < sel.rank.size(); ++k) {
        (*rank)[k] = sel.rank[k] == selection_rank::cost ? monthly : sel.rank[k] == selection_rank::duration ? t - since : score;
    }
    return included && n_sectors >= sel.min_sectors && (sectors & m_.required_sectors) == m_.required_sectors &&
           score >= sel.score_min && score <= sel.score_max && (m_.age_bands.empty() || in_age_bands(first, end, t));
}

// A member who has not changed state since it entered the population was already in its state
// for a while: for a state left at the rates' total λ, the time already spent there in a steady
// state is exponential with rate λ (the backward recurrence time of a Markov chain), drawn from a
// stream of its own. A state with a `duration`, or one never left, counts from entry.
double simulator::stage_start(std::uint32_t mi) const {
    const member& mb = members_[mi];
    const double entry = months(mb.entry);
    const auto& cs = state_of(mb);
    if (mb.spell != 0 || !cs.exponential || !(cs.base_total > 0.0)) return entry;
    stream s = member_stream(mi, purpose_stage_age, 0);
    return entry - unit_exponential(s) / cs.base_total;
}

void simulator::draw_age(std::uint32_t mi, double t) {
    const auto& ages = m_.tracks[members_[mi].track].ages;
    if (born_.size() <= mi) born_.resize(mi + 1, std::numeric_limits<double>::quiet_NaN());
    if (ages.empty()) return;
    stream s = member_stream(mi, purpose_age, 0);
    born_[mi] = t - 12.0 * ages.sample(s);
}

bool simulator::in_age_bands(std::uint32_t first, std::uint32_t end, double t) const {
    for (std::uint32_t mi = first; mi < end; ++mi) {
        const double age = age_years(mi, t);
        for (const auto& b : m_.age_bands)
            if (b.contains(age)) return true;
    }
    return false;
}

std::uint32_t simulator::quota_groups(std::uint32_t first, std::uint32_t end, double t) const {
    std::uint32_t mask = 0;
    if (m_.quota.empty()) return mask;  // born_ is kept only when some track has ages
    for (std::uint32_t mi = first; mi < end; ++mi) {
        const double age = age_years(mi, t);
        for (std::size_t g = 0; g < m_.quota.size(); ++g)
            if (m_.quota[g].band.contains(age)) mask |= 1u << g;
    }
    return mask;
}

// Places in the solution at time t (months): selection.capacity_by_year's value for the year,
// its last value after it, or the one capacity.
std::uint32_t simulator::places(double t) const {
    const auto& by_year = m_.capacity_by_year;
    if (by_year.empty()) return m_.solution_capacity;
    const auto year = static_cast<std::size_t>(std::max(0.0, t - warmup_) / 12.0);
    return by_year[std::min(year, by_year.size() - 1)];
}

// A year whose places differ from the year before starts with an event that admits from the
// waiting list while there is room (a smaller number admits nobody until families leave).
void simulator::schedule_capacity_changes() {
    const auto& by_year = m_.capacity_by_year;
    for (std::size_t y = 1; y < by_year.size() && warmup_ + 12.0 * static_cast<double>(y) < horizon_; ++y) {
        if (by_year[y] > by_year[y - 1]) schedule(warmup_ + 12.0 * static_cast<double>(y), ev_capacity, static_cast<std::uint32_t>(y));
    }
}

// selection.quota: a free place goes to the first family on the waiting list that belongs to a
// group still short of its reserved places, or to the first family at all while the free places
// exceed the places still reserved; a place is reserved for a group only while one of its
// families waits. selection.case_capacity: only a family whose cases fit under the caps.
// Families passed over keep their place in the list.
void simulator::admit_by_rules(double t) {
    const std::uint32_t cap = places(t);
    quota_inside_.resize(m_.quota.size(), 0);
    cases_inside_.resize(m_.case_caps.size(), 0);
    auto room = [&] { return cap == 0 || in_solution_ < cap; };
    if (!room()) return;
    // The waiting list is read from its head only as far as a choice needs: admitting a family
    // changes no other family's eligibility, groups or cases at t, so what was read stays true
    // for the rest of the call (up to the seventeenth pass the whole list was read after every
    // admission, then once a call; docs/performance.md). A group is short only while one of its
    // families waits, so the list is read until each group short of its places has one, or to
    // its end; the family chosen is the first read that fits, or the first further on.
    // With selection.recheck a family found no longer eligible leaves the list at this moment
    // (it decides where the family stands if it comes back), so the whole list is read at once.
    std::vector<std::pair<std::size_t, std::uint32_t>> live;  // (position in waiting_, groups)
    std::vector<std::uint32_t> waiting_in(m_.quota.size(), 0);  // of them, in each group
    auto tally = [&](std::uint32_t groups, int sign) {
        for (std::size_t g = 0; g < m_.quota.size(); ++g) waiting_in[g] += sign * static_cast<int>((groups >> g) & 1u);
    };
    const std::size_t list_end = waiting_.size();  // families that join during the call wait for the next
    std::size_t read = next_waiting_;
    auto read_next = [&] {  // the next family still waiting into `live`; false at the list's end
        while (read < list_end) {
            const std::size_t pos = read++;
            if (!waiting_eligible(pos, t)) continue;
            const std::uint32_t first = waiting_[pos];
            live.emplace_back(pos, quota_groups(first, family_end(first), t));
            tally(live.back().second, +1);
            return true;
        }
        return false;
    };
    while (recheck_ && read_next()) {
    }
    do {
        std::uint32_t short_groups = 0;
        std::uint32_t reserved = 0;
        for (std::size_t g = 0; g < m_.quota.size(); ++g) {
            const std::uint32_t r = reserved_places(m_.quota[g].share, cap);
            if (quota_inside_[g] >= r) continue;
            while (waiting_in[g] == 0 && read_next()) {
            }
            if (waiting_in[g] != 0) {
                short_groups |= 1u << g;
                reserved += r - quota_inside_[g];
            }
        }
        const std::uint32_t open = cap == 0 ? nil : cap - in_solution_;
        auto fits = [&](const std::pair<std::size_t, std::uint32_t>& l) {
            return ((l.second & short_groups) != 0 || open > reserved) && cases_fit(waiting_[l.first]);
        };
        // an index, not an iterator: reading on may move `live`
        auto chosen = static_cast<std::size_t>(std::find_if(live.begin(), live.end(), fits) - live.begin());
        while (chosen == live.size() && read_next()) {
            if (!fits(live.back())) ++chosen;
        }
        if (chosen == live.size()) return;
        const auto [pos, groups] = live[chosen];
        const std::uint32_t first = waiting_[pos];
        waiting_[pos] = nil;
        tally(groups, -1);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(chosen));
        hold_places(first, groups, +1);
        admit(first, t);
    } while (room());
}

// The family's cases in the sector of selection.case_capacity's entry k: its members whose
// current state has a cost in that sector.
std::uint32_t simulator::cases(std::uint32_t first, std::size_t k) const {
    std::uint32_t n = 0;
    for (std::uint32_t mi = first, end = family_end(first); mi < end; ++mi) {
        n += (state_of(members_[mi]).sectors >> m_.case_caps[k].sector) & 1u;
    }
    return n;
}

bool simulator::cases_fit(std::uint32_t first) const {
    for (std::size_t k = 0; k < m_.case_caps.size(); ++k) {
        if (cases_inside_[k] + cases(first, k) > m_.case_caps[k].cap) return false;
    }
    return true;
}

// Counts the family in (sign +1, on admission) or out (-1, on leaving) of the quota groups and
// case caps it held when admitted.
void simulator::hold_places(std::uint32_t first, std::uint32_t groups, int sign) {
    const std::uint32_t f = members_[first].family;
    const std::size_t k_n = m_.case_caps.size();
    if (sign > 0) {
        if (quota_mask_.size() <= f) quota_mask_.resize(f + 1, 0);
        quota_mask_[f] = static_cast<std::uint8_t>(groups);
        if (family_cases_.size() < (f + 1) * k_n) family_cases_.resize((f + 1) * k_n, 0);
        for (std::size_t k = 0; k < k_n; ++k) family_cases_[f * k_n + k] = cases(first, k);
    }
    for (std::size_t g = 0; g < m_.quota.size(); ++g) quota_inside_[g] += sign * static_cast<int>((quota_mask_[f] >> g) & 1u);
    for (std::size_t k = 0; k < k_n; ++k) cases_inside_[k] += sign * static_cast<int>(family_cases_[f * k_n + k]);
}

// Whether the family at `pos` of the waiting list can still be admitted; a family gone, admitted,
// or (with recheck) no longer eligible leaves the list.
bool simulator::waiting_eligible(std::size_t pos, double t) {
    const std::uint32_t first = waiting_[pos];
    bool ok = first != nil && !members_[first].gone;
    if (ok && recheck_ && !eligible(first, family_end(first), t)) {  // passed over; may come back
        listed_[members_[first].family] = 0;
        ok = false;
    }
    if (!ok) waiting_[pos] = nil;
    while (next_waiting_ < waiting_.size() && waiting_[next_waiting_] == nil) ++next_waiting_;
    return ok;
}

void simulator::admit_while_room(double t) {
    if (!m_.quota.empty() || !m_.case_caps.empty()) return admit_by_rules(t);
    const std::uint32_t cap = places(t);
    while (next_waiting_ < waiting_.size() && (cap == 0 || in_solution_ < cap)) {
        const std::uint32_t first = waiting_[next_waiting_++];
        if (members_[first].gone) continue;
        if (recheck_ && !eligible(first, family_end(first), t)) {  // passed over; may come back
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
    schedule_stay(first, t);
    if (t > 0.0) {
        for (std::uint32_t mi = first; mi < end; ++mi) request_for_state(mi, t);
    }
}

void simulator::leave_solution(std::uint32_t first, double t) {
    if (!members_[first].in_solution) return;  // it left the population first
    const std::uint32_t end = family_end(first);
    --in_solution_;
    if (!m_.quota.empty() || !m_.case_caps.empty()) hold_places(first, 0, -1);
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
    const double entry = months(mb.entry);
    const ledger::interval spell = ledger::cut(entry, t);
    for (const auto& bc : state_costs(mb, static_cast<treatment>(g))) {
        book(mi, bc.line, factor * bc.monthly, spell, entry, t);
        book_refund(mi, bc, factor, spell, t);
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
void simulator::note_candidates(std::uint32_t first, std::uint32_t end, double t) {
    candidate c{};
    for (std::uint32_t f = first; f < end; f = family_end(f)) {
        if (is_candidate(f, family_end(f), t, c)) mark_candidate(f);
    }
}

}  // namespace tvaer::detail
