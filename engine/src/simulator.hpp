#pragma once
/// The simulator behind simulate_arm (simulation.hpp): private to the engine's sources, shared by
/// simulation.cpp (events, clocks, hazards, costs, interventions), simulation_population.cpp
/// (generated and table populations, arrivals and departures, per-family output) and
/// simulation_selection.cpp (eligibility, complexity score, admission, moves between treatments).
/// The hot path (simulation.cpp) stays in one translation unit so that it inlines; the other two
/// hold code that runs once per family or per admission.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "tvaer/calendar.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/rng.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer::detail {


inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t nil = 0xffffffffu;

// Stable purposes: a draw's meaning, hashed from its name (see rng.hpp).
inline constexpr std::uint64_t purpose_sojourn = purpose_id("member/sojourn");
inline constexpr std::uint64_t purpose_destination = purpose_id("member/destination");
inline constexpr std::uint64_t purpose_population = purpose_id("population");
inline constexpr std::uint64_t purpose_selection = purpose_id("selection");
inline constexpr std::uint64_t purpose_stay = purpose_id("selection/stay");
inline constexpr std::uint64_t purpose_arrival = purpose_id("population/arrival");
inline constexpr std::uint64_t purpose_leave = purpose_id("population/leave");
inline constexpr std::uint64_t purpose_meeting = purpose_id("organisation/meeting-phase");
// The same purposes, pre-mixed for key_hash::then_mixed (rng.hpp).
inline constexpr std::uint64_t mixed_sojourn = detail::mix64(purpose_sojourn);
inline constexpr std::uint64_t mixed_destination = detail::mix64(purpose_destination);
inline constexpr std::uint64_t mixed_population = detail::mix64(purpose_population);
inline constexpr std::uint64_t mixed_selection = detail::mix64(purpose_selection);
inline constexpr std::uint64_t mixed_stay = detail::mix64(purpose_stay);
inline constexpr std::uint64_t mixed_arrival = detail::mix64(purpose_arrival);
inline constexpr std::uint64_t mixed_leave = detail::mix64(purpose_leave);
inline constexpr std::uint64_t mixed_meeting = detail::mix64(purpose_meeting);
// Draws about a whole family (not one member) use this member slot.
inline constexpr std::uint64_t family_slot = 0xffff;
// Draws about the population's arrival process use this family slot.
inline constexpr std::uint64_t population_slot = 0xffffffffULL;

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

inline std::size_t pick(const std::vector<double>& cdf, double u) {
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    return std::min(static_cast<std::size_t>(it - cdf.begin()), cdf.size() - 1);
}

// Hidden: the engine is compiled as position-independent code (the Python module links it), and
// GCC does not inline a function that another shared object could interpose; hidden visibility
// rules that out, so the hot path inlines across member functions as it did in one file.
class [[gnu::visibility("hidden")]] simulator {
public:
    simulator(const model& m, std::uint64_t seed, std::uint32_t replication, arm a, bool family_costs,
              const std::atomic<bool>* cancel, bool bookings);
    arm_result run();

private:
    // About a millisecond of events (or families set up) between looks at the cancel flag.
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
    void populate();
    void add_member(std::uint32_t f, std::uint8_t track, std::uint8_t state, std::uint8_t benefit, double t);
    std::uint32_t generate_family(double t);

    // ---- open populations ---------------------------------------------------------------------
    void schedule_arrivals();
    void next_poisson_arrival(double t, std::uint32_t k);
    void schedule_leave(std::uint32_t first, double t);
    void arrive(std::uint32_t k, double t);
    void leave(std::uint32_t first, double t);
    void start_clocks();
    void initial_requests();

    // ---- selection into the solution (report sec. 4.2) ----------------------------------
    struct candidate {
        double score;
        double tie;
        std::uint32_t first;
    };
    void select_families();
    bool is_candidate(std::uint32_t first, std::uint32_t end, candidate& c) const;
    void consider(std::uint32_t first, std::uint32_t end, double t);
    bool eligible(std::uint32_t first, std::uint32_t end, double& score) const;
    void admit_while_room(double t);
    void admit(std::uint32_t first, double t);
    void leave_solution(std::uint32_t first, double t);
    void set_treatment(std::uint32_t first, std::uint32_t end, bool in, double t);
    void book_open_spells(std::uint32_t mi, double factor, double t);

    // ---- hazards ----------------------------------------------------------------------------
    double weights(std::uint32_t mi, double* w) const;
    void apply_effects(std::uint32_t mi, const detail::compiled_state& cs, double* w) const;
    double multiplier(std::uint32_t mi) const;
    void schedule_clock(std::uint32_t mi, double t);
    void schedule_clock(std::uint32_t mi, double t, key_hash mk);
    void rescale(std::uint32_t mi, double before, double t);

    // ---- costs ------------------------------------------------------------------------------
    // Every cost of a member goes through these two: the ledger line and, when recorded, the
    // member's family's row of the per-family output.
    // The optional outputs (per-family costs, booking log) cost one test per booking when off.
    void book(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
        out_.costs.accrue(line, rate, t0, t1);
        if (detail_) [[unlikely]] book_detail(mi, line, rate, t0, t1);
    }
    void book_lump(std::uint32_t mi, std::size_t line, double amount, double t) {
        out_.costs.lump(line, amount, t);
        if (detail_) [[unlikely]] book_lump_detail(mi, line, amount, t);
    }
    void book_detail(std::uint32_t mi, std::size_t line, double rate, double t0, double t1);
    void book_lump_detail(std::uint32_t mi, std::size_t line, double amount, double t);
    void log_accrue(std::uint32_t mi, std::size_t line, double rate, double t0, double t1);
    void log_booking(std::uint32_t mi, std::size_t line, std::size_t month, double amount);
    void family_accrue(std::uint32_t f, std::size_t line, double rate, double t0, double t1);
    // The per-family cell of a ledger line: its paying budget and whether it is CPR-registered
    // (arm_result::family_costs).
    double& family_cell(std::uint32_t f, std::size_t year, std::size_t line) {
        const ledger_line& l = m_.lines[line];
        const std::size_t cell = (static_cast<std::size_t>(f) * years_ + year) * m_.budgets.size() + l.payer;
        return out_.family_costs[2 * cell + (l.cpr_registered ? 0 : 1)];
    }
    void grow_families(std::size_t n);
    void mark_candidate(std::uint32_t first) {
        if (fam_) out_.family_candidate[members_[first].family] = 1;
    }
    void note_candidates(std::uint32_t first, std::uint32_t end);
    void book_state(std::uint32_t mi, double t);
    void book_refund(std::uint32_t mi, const detail::booked_cost& bc, double factor, double t);
    void count_benefit_weeks(std::uint32_t mi, bool was_on, bool is_on, double t);
    void book_entry_lumps(std::uint32_t mi, const detail::compiled_state& cs);
    void book_instance(const instance& in, double t);

    // ---- interventions ----------------------------------------------------------------------
    bool has_active(std::uint32_t mi, std::uint32_t iv) const {
        for (std::uint32_t id = members_[mi].first_inst; id != nil; id = pool_[id].next)
            if (pool_[id].iv == iv) return true;
        return false;
    }
    void request_for_state(std::uint32_t mi, double t);
    void request(std::uint32_t mi, std::uint32_t iv, double t, bool delayed);
    double decision_time(std::uint32_t mi, std::uint32_t iv, double t) const;
    void note_queue_change(std::uint32_t iv, double t);
    std::uint32_t allocate_instance();
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
    void start(std::uint32_t mi, std::uint32_t iv, double t, double t_request);
    void end_instance(std::uint32_t id, double t);
    void serve_queue(std::uint32_t iv, double t);

    // ---- events -----------------------------------------------------------------------------
    void handle(const event& ev);
    void transition(std::uint32_t mi, double t);
    void settle();

    const model& m_;
    arm arm_;
    bool fam_;             // record the per-family output (arm_result::family_costs)
    bool log_;             // record the booking log (arm_result::bookings)
    bool detail_ = fam_ || log_;  // either of the two
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

}  // namespace tvaer::detail
