#include "tvaer/simulation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "tvaer/calendar.hpp"
#include "tvaer/error.hpp"
#include "tvaer/governance.hpp"
#include "tvaer/refusion.hpp"
#include "tvaer/rng.hpp"

namespace tvaer {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr std::uint32_t nil = 0xffffffffu;

// Stable purposes: a draw's meaning, hashed from its name (see rng.hpp).
const std::uint64_t purpose_sojourn = purpose_id("member/sojourn");
const std::uint64_t purpose_destination = purpose_id("member/destination");
const std::uint64_t purpose_population = purpose_id("population");
const std::uint64_t purpose_selection = purpose_id("selection");
const std::uint64_t purpose_stay = purpose_id("selection/stay");
const std::uint64_t purpose_arrival = purpose_id("population/arrival");
const std::uint64_t purpose_leave = purpose_id("population/leave");
const std::uint64_t purpose_meeting = purpose_id("organisation/meeting-phase");
// The same purposes, pre-mixed for key_hash::then_mixed (rng.hpp).
const std::uint64_t mixed_sojourn = detail::mix64(purpose_sojourn);
const std::uint64_t mixed_destination = detail::mix64(purpose_destination);
const std::uint64_t mixed_population = detail::mix64(purpose_population);
const std::uint64_t mixed_selection = detail::mix64(purpose_selection);
const std::uint64_t mixed_stay = detail::mix64(purpose_stay);
const std::uint64_t mixed_arrival = detail::mix64(purpose_arrival);
const std::uint64_t mixed_leave = detail::mix64(purpose_leave);
const std::uint64_t mixed_meeting = detail::mix64(purpose_meeting);
// Draws about a whole family (not one member) use this member slot.
constexpr std::uint64_t family_slot = 0xffff;
// Draws about the population's arrival process use this family slot.
constexpr std::uint64_t population_slot = 0xffffffffULL;

enum event_kind : std::uint32_t {
    ev_transition = 0,  // target: member
    ev_end = 1,         // target: instance
    ev_request = 2,     // target: member; data: intervention and spell
    ev_stay_end = 3,    // target: the family's first member
    ev_arrival = 4,     // target: arrival index (Poisson) or nil (scheduled)
    ev_leave = 5,       // target: the family's first member
};
constexpr std::uint32_t make_tag(event_kind k, std::uint32_t data) { return (static_cast<std::uint32_t>(k) << 28) | data; }
constexpr event_kind kind_of(std::uint32_t tag) { return static_cast<event_kind>(tag >> 28); }
constexpr std::uint32_t data_of(std::uint32_t tag) { return tag & 0x0fffffffu; }

// 32 bytes per family member: the engine state that scales with the population.
struct member {
    double entry;              // time the current state was entered
    double t_fire;             // pending transition time (inf: none)
    std::uint32_t family;
    std::uint32_t first_inst;  // active interventions, an intrusive list through `instance::next`
    std::uint32_t spell : 24;  // number of transitions so far: the occurrence of spell draws
    std::uint32_t benefit : 8;
    std::uint16_t gen;         // bumped whenever the pending transition is replaced
    std::uint8_t state;
    std::uint8_t track : 4;        // at most 16 tracks (scenario validation)
    std::uint8_t gone : 1;         // left the population (open populations)
    std::uint8_t in_solution : 1;
    std::uint8_t first : 1;        // first and last member of its family: the family's bounds
    std::uint8_t last : 1;         // are found without reading a neighbouring family's record
};
static_assert(sizeof(member) == 32);

struct instance {
    double start;
    double end;
    std::uint32_t member;
    std::uint32_t next;
    std::uint16_t iv;
    std::uint16_t gen;
    std::uint32_t unused;
};

struct queued {
    double t_request;
    std::uint32_t member;
    std::uint32_t spell;
};

// A FIFO ring buffer that grows but never shrinks during a run.
class fifo {
public:
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    void push(const queued& q) {
        if (size_ == buf_.size()) grow();
        buf_[(head_ + size_) & (buf_.size() - 1)] = q;
        ++size_;
    }
    queued pop() noexcept {
        const queued q = buf_[head_];
        head_ = (head_ + 1) & (buf_.size() - 1);
        --size_;
        return q;
    }

private:
    void grow() {
        std::vector<queued> next(std::max<std::size_t>(16, buf_.size() * 2));
        for (std::size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) & (buf_.size() - 1)];
        buf_.swap(next);
        head_ = 0;
    }
    std::vector<queued> buf_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

// Hazard multipliers of a family's members before a change: inline for ordinary families,
// on the heap only for families of more than 16 members.
class rate_snapshot {
public:
    explicit rate_snapshot(std::uint32_t n) : n_(n) {
        if (n > 16) heap_.resize(n);
    }
    double& operator[](std::uint32_t i) { return n_ > 16 ? heap_[i] : local_[i]; }

private:
    std::uint32_t n_;
    double local_[16];
    std::vector<double> heap_;
};

std::size_t pick(const std::vector<double>& cdf, double u) {
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    return std::min(static_cast<std::size_t>(it - cdf.begin()), cdf.size() - 1);
}

class simulator {
public:
    simulator(const model& m, std::uint64_t seed, std::uint32_t replication, arm a, bool family_costs,
              const std::atomic<bool>* cancel)
        : m_(m),
          arm_(a),
          fam_(family_costs),
          cancel_(cancel),
          years_(family_years(m.months)),
          horizon_(static_cast<double>(m.months)),
          prefix_(key_hash::start(seed).then(replication)),
          cal_(horizon_, static_cast<std::size_t>(m.initial_families) * 2) {
        const std::size_t months = m.months;
        const std::size_t nivs = m.interventions.size();
        out_.costs = ledger(m.lines.size(), months);
        out_.occupancy = ledger(m.occupancy_rows.size(), months);
        out_.queue = ledger(nivs, months);
        out_.transitions.assign(months * m.transition_rows.size(), 0);
        out_.requests.assign(months * nivs, 0);
        out_.starts.assign(months * nivs, 0);
        out_.dropped.assign(months * nivs, 0);
        out_.wait_months.assign(months * nivs, 0.0);
        busy_.assign(nivs, 0);
        queues_.resize(2 * nivs);  // per intervention: usual families, then solution families
        queue_since_.assign(nivs, 0.0);
        for (const auto& ci : m.interventions) {
            mixed_duration_.push_back(detail::mix64(ci.purpose_duration));
            mixed_delay_.push_back(detail::mix64(ci.purpose_delay));
        }
    }

    arm_result run() {
        populate();
        if (arm_ == arm::solution) {
            select_families();
        } else if (fam_) {
            note_candidates(0, static_cast<std::uint32_t>(members_.size()));
        }
        start_clocks();  // after selection: one-offs at t = 0 go on the lines of the family's treatment
        initial_requests();
        schedule_arrivals();
        event ev{};
        std::uint32_t until_check = check_every;
        while (cal_.pop(ev)) {
            prefetch_ahead();
            handle(ev);
            if (--until_check == 0) {
                until_check = check_every;
                check_cancelled();
            }
        }
        settle();
        out_.families = next_family_;
        if (fam_ && out_.family_admitted.size() < next_family_) grow_families(next_family_);
        out_.members = static_cast<std::uint32_t>(members_.size());
        out_.engine_bytes = members_.capacity() * sizeof(member) + pool_.capacity() * sizeof(instance) +
                            cal_.memory_bytes();
        return std::move(out_);
    }

private:
    // About a millisecond of events between looks at the cancel flag.
    static constexpr std::uint32_t check_every = 4096;
    void check_cancelled() const {
        if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) throw cancelled();
    }

    // ---- random draws -------------------------------------------------------------------
    // The stream of key (seed, replication, family, local member, purpose, occurrence); seed and
    // replication are hashed once per run and purposes are pre-mixed (rng.hpp, key_hash).
    [[nodiscard]] stream keyed(std::uint64_t family, std::uint64_t local, std::uint64_t mixed_purpose,
                               std::uint64_t occurrence) const {
        return stream(prefix_.then(family).then(local).then_mixed(mixed_purpose).then(occurrence).value);
    }
    // The key prefix (seed, replication, family, local member) of a member's draws: a transition
    // hashes it once for its destination draw and the next spell's sojourn draw.
    [[nodiscard]] key_hash member_key(std::uint32_t mi) const {
        return prefix_.then(members_[mi].family).then(mi - family_first(mi));
    }
    [[nodiscard]] static stream member_draw(key_hash mk, std::uint64_t mixed_purpose, std::uint64_t occurrence) {
        return stream(mk.then_mixed(mixed_purpose).then(occurrence).value);
    }
    [[nodiscard]] stream member_stream(std::uint32_t mi, std::uint64_t mixed_purpose, std::uint64_t occurrence) const {
        return member_draw(member_key(mi), mixed_purpose, occurrence);
    }
    // Member records of upcoming events are fetched while the current one is handled: at large
    // populations they are cache misses otherwise (docs/performance.md).
    // An intervention's end is fetched in two steps: its instance 16 events ahead, then, 8 ahead,
    // the member that instance names (by then the instance is usually in the cache).
    // always_inline: as a function of its own it has no side effect that GCC can see (prefetches
    // do not count), so GCC 12 marks it const and deletes every call to it as dead code.
    [[gnu::always_inline]] void prefetch_ahead() const {
        if (const event* e = cal_.lookahead(16)) {
            const event_kind k = kind_of(e->tag);
            if (k == ev_end) {
                __builtin_prefetch(&pool_[e->target]);
            } else if (k == ev_transition || k == ev_request) {
                __builtin_prefetch(&members_[e->target]);
            }
        }
        if (const event* e = cal_.lookahead(8); e != nullptr && kind_of(e->tag) == ev_end) {
            __builtin_prefetch(&members_[pool_[e->target].member]);
        }
    }
    // Members of a family are contiguous and its first and last are flagged, so its bounds are
    // found by walking its own records only (a neighbour's record may be a cache miss).
    [[nodiscard]] std::uint32_t family_first(std::uint32_t mi) const {
        while (!members_[mi].first) --mi;
        return mi;
    }
    [[nodiscard]] std::uint32_t family_end(std::uint32_t mi) const {
        while (!members_[mi].last) ++mi;
        return mi + 1;
    }
    [[nodiscard]] std::size_t month_of(double t) const {
        return std::min(static_cast<std::size_t>(t), m_.months - 1);
    }
    [[nodiscard]] treatment treat(const member& mb) const {
        return (arm_ == arm::solution && mb.in_solution) ? treatment::solution : treatment::usual;
    }

    // ---- population ---------------------------------------------------------------------
    void populate() {
        members_.reserve(static_cast<std::size_t>(m_.initial_families) * 2);
        if (!m_.table.empty()) {
            for (const auto& row : m_.table) add_member(row.family, row.track, row.state, row.benefit, 0.0);
            next_family_ = m_.initial_families;
        } else {
            while (next_family_ < m_.initial_families) generate_family(0.0);
        }
        for (std::uint32_t first = 0; first < members_.size(); first = family_end(first)) schedule_leave(first, 0.0);
    }

    void add_member(std::uint32_t f, std::uint8_t track, std::uint8_t state, std::uint8_t benefit, double t) {
        if (members_.size() >= 0x0fffffffu) throw simulation_error("population: more than 2^28 members");
        member mb{};
        mb.family = f;
        mb.first_inst = nil;
        mb.track = track;
        mb.state = state;
        mb.benefit = benefit;
        mb.entry = t;
        mb.t_fire = inf;
        mb.first = (members_.empty() || members_.back().family != f) ? 1 : 0;
        mb.last = 1;
        if (!mb.first) members_.back().last = 0;
        members_.push_back(mb);
        if (fam_ && f >= out_.family_admitted.size()) grow_families(f + 1);
        if (refusion_) {
            benefit_age_.push_back(m_.spec.refusion.initial_weeks / weeks_per_month);
            off_since_.push_back(-inf);
        }
    }

    // A family from the scenario's generator; its draws are keyed by its family number.
    std::uint32_t generate_family(double t) {
        const std::uint32_t f = next_family_++;
        std::uint64_t local = 0;
        for (std::size_t tr_i = 0; tr_i < m_.tracks.size(); ++tr_i) {
            const auto& tr = m_.tracks[tr_i];
            stream count_draw = keyed(f, family_slot, mixed_population, tr_i);
            const std::size_t n = pick(tr.members_cdf, count_draw.uniform());
            for (std::size_t j = 0; j < n; ++j, ++local) {
                stream s = keyed(f, local, mixed_population, 0);
                const auto state = static_cast<std::uint8_t>(pick(tr.initial_cdf, s.uniform()));
                const double ub = s.uniform();
                const auto benefit = tr.benefit_cdf.empty() ? std::uint8_t{0} : static_cast<std::uint8_t>(pick(tr.benefit_cdf, ub));
                add_member(f, static_cast<std::uint8_t>(tr_i), state, benefit, t);
            }
        }
        return f;
    }

    // ---- open populations ---------------------------------------------------------------------
    void schedule_arrivals() {
        const auto& p = m_.spec.people;
        for (double t : p.arrival_months) cal_.push(t, nil, make_tag(ev_arrival, 0));
        if (p.arrivals_per_month > 0.0) next_poisson_arrival(0.0, 0);
    }

    void next_poisson_arrival(double t, std::uint32_t k) {
        stream s = keyed(population_slot, family_slot, mixed_arrival, k);
        cal_.push(t + unit_exponential(s) / m_.spec.people.arrivals_per_month, k, make_tag(ev_arrival, 0));
    }

    void schedule_leave(std::uint32_t first, double t) {
        const double rate = m_.spec.people.leave_rate;
        if (!(rate > 0.0)) return;
        stream s = keyed(members_[first].family, family_slot, mixed_leave, 0);
        cal_.push(t + unit_exponential(s) / rate, first, make_tag(ev_leave, 0));
    }

    void arrive(std::uint32_t k, double t) {
        if (k != nil) next_poisson_arrival(t, k + 1);
        const auto first = static_cast<std::uint32_t>(members_.size());
        generate_family(t);
        const auto end = static_cast<std::uint32_t>(members_.size());
        if (first == end) return;  // a family with no members on any track
        schedule_leave(first, t);
        if (arm_ == arm::solution) {
            consider(first, end, t);
        } else if (fam_) {
            note_candidates(first, end);
        }
        for (std::uint32_t mi = first; mi < end; ++mi) {
            book_entry_lumps(mi, m_.tracks[members_[mi].track].states[members_[mi].state]);
            schedule_clock(mi, t);
        }
        for (std::uint32_t mi = first; mi < end; ++mi) request_for_state(mi, t);
    }

    // The family leaves the population: its spells are booked, its interventions end, and every
    // pending event of its members becomes stale.
    void leave(std::uint32_t first, double t) {
        const std::uint32_t end = family_end(first);
        if (members_[first].gone) return;
        if (members_[first].in_solution) leave_solution(first, t);
        for (std::uint32_t mi = first; mi < end; ++mi) {
            book_state(mi, t);
            while (members_[mi].first_inst != nil) end_instance(members_[mi].first_inst, t);
            member& mb = members_[mi];
            mb.gone = 1;
            ++mb.gen;
            mb.spell = (mb.spell + 1) & 0xffffffu;
            mb.t_fire = inf;
        }
    }

    void start_clocks() {
        for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
            if (members_[mi].gone) continue;
            const member& mb = members_[mi];
            const auto& cs = m_.tracks[mb.track].states[mb.state];
            book_entry_lumps(mi, cs);
            schedule_clock(mi, 0.0);
        }
    }

    void initial_requests() {
        for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
            if (!members_[mi].gone) request_for_state(mi, 0.0);
        }
    }

    // ---- selection into the solution (report sec. 4.2) ----------------------------------
    struct candidate {
        double score;
        double tie;
        std::uint32_t first;
    };

    void select_families() {
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
            return a.score > b.score || (a.score == b.score && a.tie < b.tie);
        });
        waiting_.reserve(cands.size());
        for (const auto& c : cands) waiting_.push_back(c.first);
        admit_while_room(0.0);
    }

    // Eligible and motivated (report sec. 4.2); the draw is keyed by family, so it is the same
    // in every arm and scenario.
    bool is_candidate(std::uint32_t first, std::uint32_t end, candidate& c) const {
        double score = 0.0;
        if (!eligible(first, end, score)) return false;
        stream s = keyed(members_[first].family, family_slot, mixed_selection, 0);
        const double motivated = s.uniform();
        c = {score, s.uniform(), first};
        return motivated < m_.spec.select.motivated_share;
    }

    // A family arriving later joins the end of the waiting list (continuous intake).
    void consider(std::uint32_t first, std::uint32_t end, double t) {
        candidate c{};
        if (!is_candidate(first, end, c)) return;
        mark_candidate(first);
        waiting_.push_back(first);
        admit_while_room(t);
    }

    bool eligible(std::uint32_t first, std::uint32_t end, double& score) const {
        const auto& sel = m_.spec.select;
        std::uint32_t sectors = 0;
        std::uint32_t services = 0;
        bool included = sel.include_benefits.empty();
        for (std::uint32_t mi = first; mi < end; ++mi) {
            const member& mb = members_[mi];
            const auto& cs = m_.tracks[mb.track].states[mb.state];
            sectors |= cs.sectors;
            for (const auto& bc : cs.costs[0]) {  // the services that apply to this member
                if (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit)) ++services;
            }
            const auto& inc = m_.include_benefits[mb.track];
            const auto& exc = m_.exclude_benefits[mb.track];
            if (std::find(inc.begin(), inc.end(), static_cast<int>(mb.benefit)) != inc.end()) included = true;
            if (std::find(exc.begin(), exc.end(), static_cast<int>(mb.benefit)) != exc.end()) return false;
        }
        const auto n_sectors = static_cast<std::uint32_t>(std::popcount(sectors));
        score = sel.score_per_sector * n_sectors + sel.score_per_service * services;
        return included && n_sectors >= sel.min_sectors && score >= sel.score_min && score <= sel.score_max;
    }

    void admit_while_room(double t) {
        const std::uint32_t cap = m_.solution_capacity;
        while (next_waiting_ < waiting_.size() && (cap == 0 || in_solution_ < cap)) {
            const std::uint32_t first = waiting_[next_waiting_++];
            if (!members_[first].gone) admit(first, t);
        }
    }

    void admit(std::uint32_t first, double t) {
        const std::uint32_t end = family_end(first);
        ++in_solution_;
        ++out_.admitted;
        if (fam_ && out_.family_admitted[members_[first].family] < 0) {
            out_.family_admitted[members_[first].family] = static_cast<std::int32_t>(month_of(t));
        }
        out_.occupancy.accrue(m_.solution_families_row, 1.0, t, horizon_);
        set_treatment(first, end, true, t);
        if (m_.spec.select.stay) {
            stream s = keyed(members_[first].family, 0xffff, mixed_stay, 0);
            cal_.push(t + m_.spec.select.stay->sample(s), first, make_tag(ev_stay_end, 0));
        }
        if (t > 0.0) {
            for (std::uint32_t mi = first; mi < end; ++mi) request_for_state(mi, t);
        }
    }

    void leave_solution(std::uint32_t first, double t) {
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
    void set_treatment(std::uint32_t first, std::uint32_t end, bool in, double t) {
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

    void book_open_spells(std::uint32_t mi, double factor, double t) {
        const member& mb = members_[mi];
        const auto g = static_cast<int>(treat(mb));
        for (const auto& bc : m_.tracks[mb.track].states[mb.state].costs[g]) {
            if (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit)) {
                book(mi, bc.line, factor * bc.monthly, mb.entry, t);
                book_refund(mi, bc, factor, t);
            }
        }
        for (std::uint32_t id = mb.first_inst; id != nil; id = pool_[id].next) {
            for (const auto& bc : m_.interventions[pool_[id].iv].costs[g]) {
                if (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit)) {
                    book(mi, bc.line, factor * bc.monthly, pool_[id].start, t);
                }
            }
        }
    }

    // ---- hazards ----------------------------------------------------------------------------
    // Effective weights of the member's destinations and their total (exponential: the total
    // rate; with a sojourn distribution: the hazard multiplier sum p_k m_k).
    double weights(std::uint32_t mi, double* w) const {
        const member& mb = members_[mi];
        const auto& cs = m_.tracks[mb.track].states[mb.state];
        const std::size_t n = cs.dest.size();
        for (std::size_t k = 0; k < n; ++k) w[k] = cs.base[k];  // short: no memmove call
        if (!cs.has_effects) return cs.base_total;  // the same sum, taken once in compile()
        apply_effects(mi, cs, w);
        double total = 0.0;
        for (std::size_t k = 0; k < n; ++k) total += w[k];
        return total;
    }

    void apply_effects(std::uint32_t mi, const detail::compiled_state& cs, double* w) const {
        const member& mb = members_[mi];
        auto apply = [&](const detail::compiled_effect& e) {
            if (e.track != mb.track || e.from != mb.state) return;
            for (std::size_t k = 0; k < cs.dest.size(); ++k)
                if (cs.dest[k] == e.to) w[k] *= e.multiplier;
        };
        for (std::uint32_t id = mb.first_inst; id != nil; id = pool_[id].next) {
            for (const auto& e : m_.interventions[pool_[id].iv].effects) apply(e);
        }
        // Interventions of family members on other tracks act on this member's track too.
        const std::uint32_t first = family_first(mi);
        const std::uint32_t end = family_end(mi);
        for (std::uint32_t o = first; o < end; ++o) {
            if (o == mi || members_[o].track == mb.track) continue;
            for (std::uint32_t id = members_[o].first_inst; id != nil; id = pool_[id].next) {
                for (const auto& e : m_.interventions[pool_[id].iv].effects) apply(e);
            }
        }
        if (treat(mb) == treatment::solution) {
            for (const auto& e : m_.solution_effects) apply(e);
        }
    }

    double multiplier(std::uint32_t mi) const {
        const member& mb = members_[mi];
        const auto& cs = m_.tracks[mb.track].states[mb.state];
        if (!cs.has_effects) return cs.base_total;
        double w[64];
        return weights(mi, w);
    }

    void schedule_clock(std::uint32_t mi, double t) { schedule_clock(mi, t, member_key(mi)); }
    void schedule_clock(std::uint32_t mi, double t, key_hash mk) {
        member& mb = members_[mi];
        const auto& cs = m_.tracks[mb.track].states[mb.state];
        ++mb.gen;
        mb.t_fire = inf;
        if (cs.dest.empty()) return;
        const double total = multiplier(mi);
        if (!(total > 0.0)) return;
        stream s = member_draw(mk, mixed_sojourn, mb.spell);
        const double e = unit_exponential(s);
        // Exponential clocks inline sojourn::inverse_cum_hazard (h / rate); others call it.
        const double h = e / total;
        const double age = cs.exponential ? h / cs.duration.a
                                          : (cs.duration.has_hazard() ? cs.duration.inverse_cum_hazard(h) : cs.duration.a);
        mb.t_fire = t + age;
        cal_.push(mb.t_fire, mi, make_tag(ev_transition, mb.gen));
    }

    // The member's hazard multiplier changed from `before`: move its pending clock (exact for
    // memoryless and proportional-hazard clocks; see distributions.hpp).
    void rescale(std::uint32_t mi, double before, double t) {
        if (mi == transitioning_) return;
        member& mb = members_[mi];
        const double after = multiplier(mi);
        if (after == before) return;
        const auto& cs = m_.tracks[mb.track].states[mb.state];
        if (!(before > 0.0)) {
            // The clock was stopped (multiplier 0): restart it from the spell's own draw.
            schedule_clock(mi, t);
            return;
        }
        ++mb.gen;
        mb.t_fire = mb.entry + rescale_fire_age(cs.duration, t - mb.entry, mb.t_fire - mb.entry, before, after);
        if (std::isfinite(mb.t_fire)) cal_.push(std::max(mb.t_fire, t), mi, make_tag(ev_transition, mb.gen));
    }

    // ---- costs ------------------------------------------------------------------------------
    // Every cost of a member goes through these two: the ledger line and, when recorded, the
    // member's family's row of the per-family output.
    void book(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
        out_.costs.accrue(line, rate, t0, t1);
        if (fam_) family_accrue(members_[mi].family, m_.lines[line].payer, rate, t0, t1);
    }

    void book_lump(std::uint32_t mi, std::size_t line, double amount, double t) {
        out_.costs.lump(line, amount, t);
        if (fam_) family_cell(members_[mi].family, month_of(t) / 12, m_.lines[line].payer) += amount;
    }

    // `rate` per month over [t0, t1) on the family's budget `payer`, split at year boundaries
    // (years are counted from the month of t0, as the ledger counts months).
    void family_accrue(std::uint32_t f, std::uint32_t payer, double rate, double t0, double t1) {
        if (!(t1 > t0) || rate == 0.0) return;
        std::size_t y = static_cast<std::size_t>(t0) / 12;
        for (double t = t0; t < t1; ++y) {
            const double until = std::min(t1, 12.0 * static_cast<double>(y + 1));
            family_cell(f, y, payer) += rate * (until - t);
            t = until;
        }
    }

    double& family_cell(std::uint32_t f, std::size_t year, std::uint32_t payer) {
        return out_.family_costs[(static_cast<std::size_t>(f) * years_ + year) * m_.budgets.size() + payer];
    }

    void grow_families(std::size_t n) {
        out_.family_costs.resize(n * years_ * m_.budgets.size(), 0.0);
        out_.family_admitted.resize(n, -1);
        out_.family_candidate.resize(n, 0);
    }

    void mark_candidate(std::uint32_t first) {
        if (fam_) out_.family_candidate[members_[first].family] = 1;
    }

    // The business-as-usual arm admits nobody; for the per-family output it records which of the
    // families in [first, end) the solution arm's selection would have found to be candidates.
    void note_candidates(std::uint32_t first, std::uint32_t end) {
        candidate c{};
        for (std::uint32_t f = first; f < end; f = family_end(f)) {
            if (is_candidate(f, family_end(f), c)) mark_candidate(f);
        }
    }

    void book_state(std::uint32_t mi, double t) {
        const member& mb = members_[mi];
        const auto& cs = m_.tracks[mb.track].states[mb.state];
        out_.occupancy.accrue(cs.occupancy_row, 1.0, mb.entry, t);
        for (const auto& bc : cs.costs[static_cast<int>(treat(mb))]) {
            if (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit)) {
                book(mi, bc.line, bc.monthly, mb.entry, t);
                book_refund(mi, bc, 1.0, t);
            }
        }
    }

    // The state's refund of a benefit paid over [entry, t) (refusion.hpp).
    void book_refund(std::uint32_t mi, const detail::booked_cost& bc, double factor, double t) {
        if (bc.refusion_line == nil) return;
        for_refusion_segments(factor * bc.monthly, members_[mi].entry, t, benefit_age_[mi], m_.spec.refusion,
                              [&](double refunded, double a, double b) { book(mi, bc.refusion_line, -refunded, a, b); });
    }

    // Weeks on benefits are counted across benefit states; 52 weeks off restart the count.
    void count_benefit_weeks(std::uint32_t mi, bool was_on, bool is_on, double t) {
        if (!refusion_) return;
        if (was_on) {
            benefit_age_[mi] += t - members_[mi].entry;
            off_since_[mi] = t;
        }
        if (is_on && !was_on && t - off_since_[mi] >= m_.spec.refusion.reset_after_weeks / weeks_per_month) {
            benefit_age_[mi] = 0.0;
        }
    }

    void book_entry_lumps(std::uint32_t mi, const detail::compiled_state& cs) {
        const member& mb = members_[mi];
        for (const auto& bc : cs.costs[static_cast<int>(treat(mb))]) {
            if (bc.one_off != 0.0 && (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit))) {
                book_lump(mi, bc.line, bc.one_off, mb.entry);
            }
        }
    }

    void book_instance(const instance& in, double t) {
        const member& mb = members_[in.member];
        for (const auto& bc : m_.interventions[in.iv].costs[static_cast<int>(treat(mb))]) {
            if (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit)) {
                book(in.member, bc.line, bc.monthly, in.start, t);
            }
        }
    }

    // ---- interventions ----------------------------------------------------------------------
    bool has_active(std::uint32_t mi, std::uint32_t iv) const {
        for (std::uint32_t id = members_[mi].first_inst; id != nil; id = pool_[id].next)
            if (pool_[id].iv == iv) return true;
        return false;
    }

    void request_for_state(std::uint32_t mi, double t) {
        const member& mb = members_[mi];
        std::uint64_t req = m_.tracks[mb.track].states[mb.state].requests;
        while (req != 0) {
            const auto iv = static_cast<std::uint32_t>(std::countr_zero(req));
            req &= req - 1;
            request(mi, iv, t, false);
        }
    }

    void request(std::uint32_t mi, std::uint32_t iv, double t, bool delayed) {
        const member& mb = members_[mi];
        const auto& ci = m_.interventions[iv];
        const auto g = static_cast<int>(treat(mb));
        if (!ci.available[g] || has_active(mi, iv)) return;
        if (!delayed) {
            const double when = decision_time(mi, iv, t);
            if (when > t) {
                cal_.push(when, mi, make_tag(ev_request, (iv << 16) | (mb.spell & 0xffffu)));
                return;
            }
        }
        ++out_.requests[month_of(t) * m_.interventions.size() + iv];
        if (ci.capacity == 0 || busy_[iv] < ci.capacity) {
            start(mi, iv, t, t);
            return;
        }
        note_queue_change(iv, t);
        queues_[2 * iv + (ci.solution_first ? g : 0)].push({t, mi, mb.spell});
        ++out_.events;  // a queue join
    }

    // When a request made at t is decided: after the arm's decision delay and, inside the
    // solution, the wait for the family's next network meeting and, above the amount ceiling,
    // for the sector heads' forum (governance.hpp).
    double decision_time(std::uint32_t mi, std::uint32_t iv, double t) const {
        const member& mb = members_[mi];
        const auto& ci = m_.interventions[iv];
        const auto g = static_cast<int>(treat(mb));
        double when = t;
        if (ci.delay[g]) {
            stream s = member_stream(mi, mixed_delay_[iv], mb.spell);
            when += ci.delay[g]->sample(s);
        }
        if (g == static_cast<int>(treatment::solution)) {
            const auto& org = m_.spec.org;
            if (org.meeting_every > 0.0) {
                stream s = keyed(mb.family, family_slot, mixed_meeting, 0);
                when = next_meeting(when, org.meeting_every, s.uniform() * org.meeting_every);
            }
            if (ci.above_ceiling) when = next_meeting(when, org.forum_every, 0.0);
        }
        return when;
    }

    void note_queue_change(std::uint32_t iv, double t) {
        const auto waiting = queues_[2 * iv].size() + queues_[2 * iv + 1].size();
        out_.queue.accrue(iv, static_cast<double>(waiting), queue_since_[iv], t);
        queue_since_[iv] = t;
    }

    std::uint32_t allocate_instance() {
        if (free_inst_ != nil) {
            const std::uint32_t id = free_inst_;
            free_inst_ = pool_[id].next;
            return id;
        }
        pool_.push_back({});
        return static_cast<std::uint32_t>(pool_.size() - 1);
    }

    // Members whose hazards an intervention of `mi` can change: itself and its family.
    template <class F>
    void with_family_rates(std::uint32_t mi, F&& change, double t) {
        const std::uint32_t first = family_first(mi);
        const std::uint32_t end = family_end(mi);
        rate_snapshot before(end - first);
        for (std::uint32_t o = first; o < end; ++o) before[o - first] = multiplier(o);
        change();
        for (std::uint32_t o = first; o < end; ++o) rescale(o, before[o - first], t);
    }

    void start(std::uint32_t mi, std::uint32_t iv, double t, double t_request) {
        const auto& ci = m_.interventions[iv];
        member& mb = members_[mi];
        stream s = member_stream(mi, mixed_duration_[iv], mb.spell);
        const double duration = ci.duration.sample(s);
        const std::size_t month = month_of(t);
        ++out_.starts[month * m_.interventions.size() + iv];
        out_.wait_months[month * m_.interventions.size() + iv] += t - t_request;
        ++out_.events;
        ++busy_[iv];
        for (const auto& bc : ci.costs[static_cast<int>(treat(mb))]) {
            if (bc.one_off != 0.0 && (bc.benefit < 0 || bc.benefit == static_cast<int>(mb.benefit))) {
                book_lump(mi, bc.line, bc.one_off, t);
            }
        }
        auto link = [&] {
            const std::uint32_t id = allocate_instance();
            instance& in = pool_[id];
            in.start = t;
            in.end = t + duration;
            in.member = mi;
            in.iv = static_cast<std::uint16_t>(iv);
            in.gen = static_cast<std::uint16_t>(in.gen + 1);
            in.next = members_[mi].first_inst;
            members_[mi].first_inst = id;
            cal_.push(in.end, id, make_tag(ev_end, in.gen));
        };
        if (ci.effects.empty()) {
            link();
        } else {
            with_family_rates(mi, link, t);
        }
    }

    void end_instance(std::uint32_t id, double t) {
        const instance in = pool_[id];
        const auto& ci = m_.interventions[in.iv];
        book_instance(in, t);
        ++out_.events;
        auto unlink = [&] {
            std::uint32_t* link = &members_[in.member].first_inst;
            while (*link != id) link = &pool_[*link].next;
            *link = pool_[id].next;
            pool_[id].next = free_inst_;
            ++pool_[id].gen;  // a pending end event of this instance is now stale
            free_inst_ = id;
        };
        if (ci.effects.empty()) {
            unlink();
        } else {
            with_family_rates(in.member, unlink, t);
        }
        --busy_[in.iv];
        serve_queue(in.iv, t);
    }

    // Starts queued requests while slots are free: solution families first when the
    // intervention's discipline says so (their own queue), then in order of request.
    void serve_queue(std::uint32_t iv, double t) {
        fifo& usual = queues_[2 * iv];
        fifo& solution = queues_[2 * iv + 1];
        const auto& ci = m_.interventions[iv];
        if (usual.empty() && solution.empty()) return;
        note_queue_change(iv, t);
        while (busy_[iv] < ci.capacity && !(usual.empty() && solution.empty())) {
            const queued r = solution.empty() ? usual.pop() : solution.pop();
            const member& mb = members_[r.member];
            // Dropped: it left the state (or the population), it already has the intervention, or
            // it is no longer entitled to it (it left the solution).
            if ((mb.spell & 0xffffffu) != r.spell || has_active(r.member, iv) ||
                !ci.available[static_cast<int>(treat(mb))]) {
                ++out_.dropped[month_of(t) * m_.interventions.size() + iv];
                continue;
            }
            start(r.member, iv, t, r.t_request);
        }
    }

    // ---- events -----------------------------------------------------------------------------
    void handle(const event& ev) {
        try {
            switch (kind_of(ev.tag)) {
                case ev_transition:
                    if (members_[ev.target].gen == data_of(ev.tag)) transition(ev.target, ev.time);
                    break;
                case ev_end:
                    if (pool_[ev.target].gen == data_of(ev.tag)) end_instance(ev.target, ev.time);
                    break;
                case ev_request: {
                    const std::uint32_t iv = data_of(ev.tag) >> 16;
                    if ((members_[ev.target].spell & 0xffffu) == (data_of(ev.tag) & 0xffffu)) {
                        request(ev.target, iv, ev.time, true);
                    }
                    break;
                }
                case ev_stay_end: leave_solution(ev.target, ev.time); break;
                case ev_arrival: arrive(ev.target, ev.time); break;
                case ev_leave: leave(ev.target, ev.time); break;
            }
        } catch (const error&) {
            throw;
        } catch (const std::exception& e) {
            throw simulation_error(fmt::format("at t = {} months, event kind {} on {}: {}", ev.time,
                                               static_cast<unsigned>(kind_of(ev.tag)), ev.target, e.what()));
        }
    }

    void transition(std::uint32_t mi, double t) {
        member& mb = members_[mi];
        const auto& tr = m_.tracks[mb.track];
        const auto& cs = tr.states[mb.state];
        double w[64];
        const double total = weights(mi, w);
        const key_hash mk = member_key(mi);
        stream s = member_draw(mk, mixed_destination, mb.spell);
        double u = s.uniform() * total;
        std::size_t k = 0;
        while (k + 1 < cs.dest.size() && u >= w[k]) u -= w[k++];
        book_state(mi, t);
        ++out_.transitions[month_of(t) * m_.transition_rows.size() + cs.transition_row + k];
        ++out_.events;
        count_benefit_weeks(mi, cs.on_benefit, tr.states[cs.dest[k]].on_benefit, t);
        mb.state = cs.dest[k];
        mb.entry = t;
        mb.spell = (mb.spell + 1) & 0xffffffu;
        transitioning_ = mi;
        const auto& ns = tr.states[mb.state];
        for (std::uint32_t id = mb.first_inst; id != nil;) {
            const std::uint32_t next = pool_[id].next;
            if (m_.interventions[pool_[id].iv].ends_mask & (1ull << mb.state)) end_instance(id, t);
            id = next;
        }
        book_entry_lumps(mi, ns);
        request_for_state(mi, t);
        transitioning_ = nil;
        schedule_clock(mi, t, mk);
    }

    void settle() {
        for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
            if (members_[mi].gone) continue;  // booked when it left
            book_state(mi, horizon_);
            for (std::uint32_t id = members_[mi].first_inst; id != nil; id = pool_[id].next) {
                book_instance(pool_[id], horizon_);
            }
        }
        for (std::uint32_t iv = 0; iv < m_.interventions.size(); ++iv) note_queue_change(iv, horizon_);
        if (arm_ == arm::solution && m_.has_staff) {
            const auto& org = m_.spec.org;
            out_.costs.accrue(m_.staff_line, org.staff_fte * org.salary_per_fte_year / 12.0, 0.0, horizon_);
        }
        out_.costs.finish();
        out_.occupancy.finish();
        out_.queue.finish();
    }

    const model& m_;
    arm arm_;
    bool fam_;             // record the per-family output (arm_result::family_costs)
    const std::atomic<bool>* cancel_;  // set by another thread to stop the run (may be null)
    std::size_t years_;    // of the per-family output
    double horizon_;
    key_hash prefix_;  // seed and replication, hashed once
    std::vector<std::uint64_t> mixed_duration_;  // per intervention, pre-mixed purposes
    std::vector<std::uint64_t> mixed_delay_;
    calendar cal_;
    std::vector<member, detail::big_allocator<member>> members_;
    std::vector<instance> pool_;
    std::uint32_t free_inst_ = nil;
    std::vector<std::uint32_t> busy_;
    std::vector<fifo> queues_;
    std::vector<double> queue_since_;
    std::vector<std::uint32_t> waiting_;
    std::size_t next_waiting_ = 0;
    std::uint32_t in_solution_ = 0;
    std::uint32_t next_family_ = 0;
    bool refusion_ = m_.spec.refusion.enabled();
    std::vector<double> benefit_age_;  // refusion only: months on benefits at the spell's start
    std::vector<double> off_since_;    // refusion only: when the member last left benefits
    std::uint32_t transitioning_ = nil;
    arm_result out_;
};

}  // namespace

arm_result simulate_arm(const model& m, std::uint64_t seed, std::uint32_t replication, arm a, bool family_costs,
                        const std::atomic<bool>* cancel) {
    return simulator(m, seed, replication, a, family_costs, cancel).run();
}

replication_result simulate_replication(const model& m, std::uint64_t seed, std::uint32_t replication,
                                        bool family_costs, const std::atomic<bool>* cancel) {
    replication_result r;
    r.replication = replication;
    r.arms[0] = simulate_arm(m, seed, replication, arm::bau, family_costs, cancel);
    r.arms[1] = simulate_arm(m, seed, replication, arm::solution, family_costs, cancel);
    return r;
}

}  // namespace tvaer
