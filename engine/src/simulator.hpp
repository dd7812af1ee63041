#pragma once
/// The simulator behind simulate_arm (simulation.hpp): private to the engine's sources, shared by
/// simulation.cpp (events, clocks, hazards, costs, interventions), simulation_population.cpp
/// (generated and table populations, arrivals and departures, per-family output) and
/// simulation_selection.cpp (eligibility, complexity score, admission, moves between treatments).
/// The hot path (simulation.cpp) stays in one translation unit so that it inlines; the other two
/// hold code that runs once per family or per admission. The rules of interventions and effects
/// (whom an effect acts on, how multipliers combine, when a request is decided, capacity and
/// queues) are intervention.hpp's; the simulator keeps the events and the records they act on.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "tvaer/calendar.hpp"
#include "tvaer/error.hpp"
#include "tvaer/intervention.hpp"
#include "tvaer/model.hpp"
#include "tvaer/request_queue.hpp"
#include "tvaer/rng.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer::detail {


inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t nil = 0xffffffffu;

// Stable purposes: a draw's meaning, hashed from its name (see rng.hpp).
// A member's spell n has one stream: its first number picks the destination of the transition
// that starts the spell (unused for a member's first spell), the next ones draw its sojourn.
inline constexpr std::uint64_t purpose_spell = purpose_id("member/spell");
inline constexpr std::uint64_t purpose_population = purpose_id("population");
inline constexpr std::uint64_t purpose_selection = purpose_id("selection");
inline constexpr std::uint64_t purpose_stay = purpose_id("selection/stay");
inline constexpr std::uint64_t purpose_arrival = purpose_id("population/arrival");
inline constexpr std::uint64_t purpose_leave = purpose_id("population/leave");
inline constexpr std::uint64_t purpose_meeting = purpose_id("organisation/meeting-phase");
inline constexpr std::uint64_t purpose_age = purpose_id("member/age");
inline constexpr std::uint64_t purpose_stage_age = purpose_id("selection/stage-age");
inline constexpr std::uint64_t purpose_inherited = purpose_id("selection/inherited");
inline constexpr std::uint64_t purpose_inherited_stay = purpose_id("selection/inherited/stay");
// Draws about a whole family (not one member) use this member slot.
inline constexpr std::uint64_t family_slot = 0xffff;
// Draws about the population's arrival process use this family slot.
inline constexpr std::uint64_t population_slot = 0xffffffffULL;

enum event_kind : std::uint32_t {
    ev_transition = 0,  // target: member
    ev_end = 1,         // target: instance
    ev_request = 2,     // target: a delayed request (simulator::delayed_)
    ev_stay_end = 3,    // target: the family's first member
    ev_arrival = 4,     // target: arrival index (Poisson) or no_target (scheduled)
    ev_leave = 5,       // target: the family's first member
    ev_capacity = 6,    // target: the year whose places (selection.capacity_by_year) begin
    ev_horizon = 7,     // target: 0; the end of the warm-up (population.warmup_months): month 0 begins
};
// An event's 32-bit payload: its kind in the top 3 bits, what it is about in the other 29.
inline constexpr std::uint32_t no_target = 0x1fffffffu;
constexpr std::uint32_t make_target(event_kind k, std::uint32_t what) { return (static_cast<std::uint32_t>(k) << 29) | what; }
constexpr event_kind kind_of(std::uint32_t target) { return static_cast<event_kind>(target >> 29); }
constexpr std::uint32_t what_of(std::uint32_t target) { return target & no_target; }

// Limits that follow from the packed records below (checked where they could be exceeded).
inline constexpr std::uint32_t max_members = std::uint32_t{1} << 28;
inline constexpr std::uint32_t max_families = std::uint32_t{1} << 24;
inline constexpr std::uint32_t spell_mask = (std::uint32_t{1} << 15) - 1;
static_assert(spell_mask >> request_fifo::spell_bits == 0 && max_members <= request_fifo::marker);
// A member's pending transition: none (no clock, or a stopped one).
inline constexpr std::uint32_t no_fire = 0xffffffffu;

// 16 bytes per family member: the engine state that scales with the population (with a share
// of the calendar's events, 6 or 8 bytes, and 4 bytes per family for its interventions, about
// 55 bytes per family of two: docs/performance.md). Times are ticks of the time grid
// (calendar.hpp).
struct member {
    std::uint32_t entry;           // tick the current state was entered
    std::uint32_t fire;            // tick of the pending transition (no_fire: none; time_grid::
                                   // saturated: 16 horizons or later, exact time in far_fire_)
    std::uint32_t family : 24;
    std::uint32_t state : 8;       // at most 64 states a track (scenario validation); a whole byte
                                   // so that reading it is one load
    std::uint32_t spell : 15;      // number of transitions so far: the occurrence of spell draws
    std::uint32_t benefit : 6;     // at most 64 benefit types a track (scenario validation)
    std::uint32_t track : 4;       // at most 16 tracks (scenario validation)
    std::uint32_t gone : 1;        // left the population (open populations)
    std::uint32_t in_solution : 1;
    std::uint32_t busy : 1;        // the family has active interventions (fam_inst_ is not empty)
    std::uint32_t back : 2;        // members of its family before it, at most 3 (0: its first),
    std::uint32_t ahead : 2;       // and after it (0: its last): the family's bounds are found in
                                   // one step up to four members, without a walk or a
                                   // neighbouring family's record
};
// The most `back` and `ahead` hold: a member with more before (after) it steps that far and
// looks again.
inline constexpr std::uint32_t family_step = 3;
static_assert(sizeof(member) == 16);

// An active intervention, in its family's list (simulator::fam_inst_). An instance that ends
// before its scheduled end stays reserved until that end event pops, so an event never finds
// its slot reused.
// 16 bytes; its end is only pushed to the calendar, not kept.
struct instance {
    std::uint32_t start;  // ticks
    std::uint32_t member;
    std::uint32_t next;
    std::uint16_t iv;
    std::uint8_t alive;
    std::uint8_t pending;  // its end event is in the calendar
};
static_assert(sizeof(instance) == 16);

// A request waiting for its decision (network meetings, decision delays): dropped unless the
// member is still in the spell it was made in.
// 8 bytes: at a million families the default scenario has some 460,000 waiting at once. The tick
// it was made at is not kept when it is the member's entry into its spell (at_entry: every
// request but those made when a family is admitted into the solution later): a request is only
// decided while its member is still in that spell, and a member's `entry` changes only with its
// spell. The others keep their tick in simulator::delayed_ticks_.
struct delayed_request {
    std::uint32_t member;        // or the next free slot while unused
    std::uint32_t spell : 17;
    std::uint32_t iv : 13;       // at most 64 interventions (scenario validation)
    std::uint32_t group : 1;     // treatment of the family when it asked
    std::uint32_t at_entry : 1;  // made at the member's entry tick
};
static_assert(sizeof(delayed_request) == 8);

// Requests waiting for an intervention's slot or a state's place, in two FIFOs: line[1] is
// served first (solution families, when the discipline puts them first: queue_of in
// intervention.hpp), else everyone waits in line[0].
struct queue_pair {
    request_fifo line[2];
    [[nodiscard]] bool empty() const noexcept { return line[0].empty() && line[1].empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return line[0].size() + line[1].size(); }
    [[nodiscard]] std::size_t peak_bytes() const noexcept { return line[0].peak_bytes() + line[1].peak_bytes(); }
    queued pop() { return line[1].empty() ? line[0].pop() : line[1].pop(); }
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

// The number of set bits of x, branch-free and inline (SWAR: sums of 2, 4, 8 bits, then one
// multiply adds the eight byte counts into the top byte). std::popcount gives the same result but
// on the baseline x86-64 target (no -mpopcnt) it compiles to a call into libgcc (__popcountdi2).
[[nodiscard]] constexpr std::uint32_t bit_count(std::uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<std::uint32_t>((x * 0x0101010101010101ULL) >> 56);
}
static_assert(bit_count(0) == 0 && bit_count(~std::uint64_t{0}) == 64 && bit_count(0x8000000000000001ULL) == 2 &&
              bit_count(0x0123456789ABCDEFULL) == 32);
// The low k bits set count k, and std::popcount agrees on 1,000 words of a 64-bit LCG (Knuth's MMIX).
static_assert([] {
    for (std::uint32_t k = 0; k < 64; ++k)
        if (bit_count((std::uint64_t{1} << k) - 1) != k) return false;
    std::uint64_t x = 1;
    for (int i = 0; i < 1000; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        if (bit_count(x) != static_cast<std::uint32_t>(std::popcount(x))) return false;
    }
    return true;
}());

// Which members have a record in a sparse per-member array, and where: a bit per member and the
// count of records before each block of 64 members, in one 16-byte block (2 bits a member). The
// records of members that have one are appended in member order, so member i's record is the
// count of set bits before bit i.
class sparse_index {
public:
    void reserve(std::size_t members) { blocks_.reserve(members / 64 + 1); }
    // Room for as many members as `other` has room for (a copy holds its blocks only).
    void reserve_as(const sparse_index& other) { blocks_.reserve(other.blocks_.capacity()); }
    // The next member: with a record (the next one) or without.
    template <class Append>
    void push_back(bool has, Append&& append) {
        if (n_ % 64 == 0) append(blocks_, block{0, count_});
        if (has) {
            blocks_.back().bits |= std::uint64_t{1} << (n_ % 64);
            ++count_;
        }
        ++n_;
    }
    // The record of member i, which has one.
    [[nodiscard]] std::uint32_t slot(std::uint32_t i) const {
        const block& b = blocks_[i / 64];
        return b.before + bit_count(b.bits & ((std::uint64_t{1} << (i % 64)) - 1));
    }
    [[nodiscard]] const void* block_of(std::uint32_t i) const { return &blocks_[i / 64]; }
    // Member i has a record.
    [[nodiscard]] bool has(std::uint32_t i) const { return ((blocks_[i / 64].bits >> (i % 64)) & 1u) != 0; }
    [[nodiscard]] std::size_t memory_bytes() const { return blocks_.capacity() * sizeof(block); }

private:
    struct block {
        std::uint64_t bits;
        std::uint32_t before;
    };
    std::vector<block> blocks_;
    std::uint32_t n_ = 0;
    std::uint32_t count_ = 0;
};

// Refusion (refusion.hpp): a member's count of benefit weeks, 8 bytes. The time on benefits is
// kept as ticks, exactly: every spell begins and ends on the time grid, so the sum of its spells
// is a whole number of ticks, at most the horizon's 2^28 (calendar.hpp). A count that has not
// restarted since the member entered also holds refusion.initial_weeks, which is not on the grid
// and is added when the age is read (`from_initial`); a restart after 52 weeks off clears it.
struct benefit_count {
    std::uint32_t on_ticks : 31;    // ticks on benefits since the count began
    std::uint32_t from_initial : 1; // the count began at refusion.initial_weeks (not restarted since)
    std::uint32_t off_since;        // tick at which it last left benefits (never_off: not since it entered)
    static constexpr std::uint32_t never_off = 0xffffffffu;
    // Months on benefits at the spell's start: `initial` (refusion.initial_weeks in months) plus
    // the ticks in months, of `tick` months each.
    [[nodiscard]] double age(double initial, double tick) const {
        const double on = static_cast<double>(on_ticks) * tick;  // exact: a power of two times < 2^31
        return from_initial ? initial + on : on;
    }
};
static_assert(sizeof(benefit_count) == 8 && time_grid::max_horizon_ticks < (std::uint32_t{1} << 31));

// The index a uniform u picks from a cumulative distribution (non-decreasing): the first entry
// above u, as std::upper_bound finds it, the last if none is. Counted without a branch: the
// binary search mispredicted about once a draw in populate (the lists have a few entries).
inline std::size_t pick(const std::vector<double>& cdf, double u) {
    std::size_t at_or_below = 0;
    for (const double c : cdf) at_or_below += c <= u ? 1 : 0;
    return std::min(at_or_below, cdf.size() - 1);
}

// Hidden: the engine is compiled as position-independent code (the Python module links it), and
// GCC does not inline a function that another shared object could interpose; hidden visibility
// rules that out, so the hot path inlines across member functions as it did in one file.
class [[gnu::visibility("hidden")]] simulator {
public:
    simulator(const model& m, std::uint64_t seed, std::uint32_t replication, arm a, const replication_options& options);
    arm_result run() {
        populate();
        return finish();
    }
    // A replication's second arm from its first, copied after populate() and before anything else
    // has run, or with a warm-up at its end (run_warmup): the population is drawn from keyed
    // streams that no arm changes, and nothing in the warm-up tells the arms apart
    // (simulation_warmup.cpp), so the copy holds what the second arm's own run would have made
    // up to there, bit for bit (simulate_replication). The copy also gets the room its source
    // reserved for the families still to arrive (reserve_as).
    simulator(const simulator& source, arm a) : simulator(source) {
        arm_ = a;
        reserve_as(source);
    }
    void populate();
    // Before the copy into the second arm (simulate_replication): each member's first clock as
    // start_clocks draws it for a member no effect acts on (in either arm, every member but those
    // of families selected into the solution in states with effects), so the arms draw it once.
    void draw_first_clocks();
    // With a warm-up, the run up to its end, for a copy there (simulate_replication): the first
    // clocks and requests, then the warm-up's events up to the one that ends it (popped, kept in
    // held_, not handled; selection waits for it). Returns false without a warm-up, having run
    // nothing.
    bool run_warmup();
    // The run after populate(), or after run_warmup(): selection, first clocks and requests (those
    // two unless run_warmup made them), the events, settling.
    arm_result finish();
    // Bytes of the state that populate() built (what the copy above costs).
    [[nodiscard]] std::size_t population_bytes() const {
        return members_.size() * sizeof(member) + fam_inst_.size() * sizeof(std::uint32_t) +
               benefit_counts_.size() * sizeof(benefit_count) + counted_.memory_bytes() +
               born_.size() * sizeof(double) + cal_.memory_bytes();
    }

private:
    // About a millisecond of events (or families set up) between looks at the cancel flag.
    static constexpr std::uint32_t check_every = 4096;
    void check_cancelled() const {
        if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) throw cancelled();
    }

    // ---- random draws -------------------------------------------------------------------
    // The stream of key (seed, replication, family, local member, purpose, occurrence); seed and
    // replication are hashed once per run (rng.hpp, key_hash).
    [[nodiscard]] stream keyed(std::uint64_t family, std::uint64_t local, std::uint64_t purpose,
                               std::uint64_t occurrence) const {
        return stream(prefix_.then(family_member(family, local)).draw(purpose, occurrence));
    }
    // A member's draws: keyed by its family and its place in the family.
    [[nodiscard]] stream member_stream(std::uint32_t mi, std::uint64_t purpose, std::uint64_t occurrence) const {
        return keyed(members_[mi].family, mi - family_first(mi), purpose, occurrence);
    }
    // Records of upcoming events are fetched while the current one is handled: at large
    // populations they are cache misses otherwise (docs/performance.md). What an event reads is
    // fetched in steps, each from a record fetched earlier (by then usually in the cache):
    // - an intervention's end: its instance 16 events ahead, then, 8 ahead, the member it names;
    //   4 ahead that member's neighbours and its family's list head;
    // - a transition: its member 16 ahead (with refusion, its block of the benefit-count index),
    //   then, 8 ahead, its neighbours, its family's list head and, if it has one, its benefit
    //   count; 4 ahead the first instance of a family that has some;
    // - a family's departure: its first member 16 ahead (and its block of the index), then, 8
    //   ahead, its neighbours, its list head and its members' benefit counts; 4 ahead its first
    //   instance if it has some;
    // - a delayed decision: its request 16 ahead, then, 8 ahead, the member who made it; 4 ahead
    //   that member's neighbours and its family's list head.
    // always_inline: as a function of its own it has no side effect that GCC can see (prefetches
    // do not count), so GCC 12 marks it const and deletes every call to it as dead code.
    [[gnu::always_inline]] void prefetch_ahead() const {
        if (const event* e = cal_.lookahead(16)) {
            const std::uint32_t w = what_of(e->target);
            switch (kind_of(e->target)) {
                case ev_end: __builtin_prefetch(&pool_[w]); break;
                case ev_transition:
                case ev_leave:
                    __builtin_prefetch(&members_[w]);
                    if (refusion_) __builtin_prefetch(counted_.block_of(w));
                    break;
                case ev_request: __builtin_prefetch(&delayed_[w]); break;
                default: break;
            }
        }
        if (const event* e = cal_.lookahead(8)) {
            const std::uint32_t w = what_of(e->target);
            switch (kind_of(e->target)) {
                case ev_end: __builtin_prefetch(&members_[pool_[w].member]); break;
                case ev_transition: {
                    // Its family's interventions: read when it has some, and when it starts one.
                    const member& mb = members_[w];
                    prefetch_family(w, mb);
                    if (refusion_ && counted_.has(w)) __builtin_prefetch(&benefit_counts_[counted_.slot(w)]);
                    break;
                }
                case ev_leave: {
                    // The family's benefit counts, booked with its spells: the records from the
                    // first member's on (its members' are contiguous).
                    const member& mb = members_[w];
                    prefetch_family(w, mb);
                    if (refusion_) __builtin_prefetch(benefit_counts_.data() + counted_.slot(w));
                    break;
                }
                case ev_request: __builtin_prefetch(&members_[delayed_[w].member]); break;
                default: break;
            }
        }
        if (const event* e = cal_.lookahead(4)) {
            const std::uint32_t w = what_of(e->target);
            switch (kind_of(e->target)) {
                case ev_transition:
                case ev_leave: {
                    // A departing family's interventions end with it.
                    const member& mb = members_[w];
                    if (mb.busy) __builtin_prefetch(&pool_[fam_inst_[mb.family]]);
                    break;
                }
                case ev_end: {
                    const std::uint32_t mi = pool_[w].member;
                    prefetch_family(mi, members_[mi]);
                    break;
                }
                case ev_request: {
                    const std::uint32_t mi = delayed_[w].member;
                    prefetch_family(mi, members_[mi]);
                    break;
                }
                default: break;
            }
        }
    }
    // The records that finding member mi's family reads besides its own (family_first walks back
    // to the first member, family_end on to the last: in the default scenario a family has about
    // three members of 16 bytes, so about half the families span two cache lines), and the
    // family's list of interventions.
    [[gnu::always_inline]] void prefetch_family(std::uint32_t mi, const member& mb) const {
        if (mb.back != 0) __builtin_prefetch(&members_[mi - mb.back]);
        if (mb.ahead != 0) __builtin_prefetch(&members_[mi + mb.ahead]);
        __builtin_prefetch(&fam_inst_[mb.family]);
    }
    // Members of a family are contiguous and each knows how many of them are before and after it
    // (up to family_step), so its bounds are found from its own records only, in one step for
    // families of up to four (a neighbour's record may be a cache miss; the walk one member at a
    // time it replaces mispredicted its end about once a call).
    [[nodiscard]] std::uint32_t family_first(std::uint32_t mi) const {
        std::uint32_t step = members_[mi].back;
        mi -= step;
        while (step == family_step) [[unlikely]] {
            step = members_[mi].back;
            mi -= step;
        }
        return mi;
    }
    [[nodiscard]] std::uint32_t family_end(std::uint32_t mi) const {
        std::uint32_t step = members_[mi].ahead;
        mi += step;
        while (step == family_step) [[unlikely]] {
            step = members_[mi].ahead;
            mi += step;
        }
        return mi + 1;
    }
    [[nodiscard]] std::size_t month_of(double t) const {
        return std::min(static_cast<std::size_t>(static_cast<std::int64_t>(t)), months_ - 1);
    }
    [[nodiscard]] double months(std::uint32_t ticks) const { return grid_.months(ticks); }
    // Schedules an event at the first grid point at or after t (nothing beyond the horizon).
    bool schedule(double t, event_kind k, std::uint32_t what) { return cal_.push(grid_.ceil(t), make_target(k, what)); }
    // A member's compiled state: one load from the simulator's own table of tracks.
    [[nodiscard]] const detail::compiled_state& state_of(const member& mb) const { return track_states_[mb.track][mb.state]; }
    [[nodiscard]] treatment treat(const member& mb) const {
        return (arm_ == arm::solution && mb.in_solution) ? treatment::solution : treatment::usual;
    }
    // The state's costs of the member's treatment g that apply to its benefit type, in their
    // order (compiled_track::resolved_costs: resolved when the model is compiled, so booking a
    // spell tests nothing per cost; the test mispredicted about once a spell:
    // docs/performance.md, "The hot path, tenth pass").
    // The track's arrays are read through the simulator's own table (track_costs_), as states
    // are through track_states_, not through the model's vector of tracks.
    [[nodiscard]] std::span<const detail::booked_cost> state_costs(const member& mb, treatment g) const {
        const track_cost_table& tc = track_costs_[mb.track];
        const std::size_t run =
            (static_cast<std::size_t>(mb.state) * 2 + static_cast<std::size_t>(g)) * tc.benefit_types + mb.benefit;
        return {tc.costs + tc.runs[run], tc.costs + tc.runs[run + 1]};
    }

    // ---- population ---------------------------------------------------------------------
    // Room for the members the run is expected to hold (initial families and arrivals, a few
    // standard deviations over the mean), so that the member records and the per-member arrays
    // are allocated once, at their size, instead of doubling past it (docs/performance.md).
    // With `benefit_reach_only`: the members whose first state can reach benefits
    // (compiled_track::benefit_reach), who get a benefit count.
    [[nodiscard]] std::size_t expected_members(bool benefit_reach_only = false) const;
    // Months in which families arrive: the warm-up's (population.warmup_months) and the horizon's.
    [[nodiscard]] double run_months() const { return warmup_ + static_cast<double>(m_.months); }
    // Appends to one of the population's arrays or pools; past its reserved room it grows by a
    // 32nd, not by doubling: what is held at the end is at most a 32nd over the peak (the
    // thirteenth pass, docs/performance.md; an eighth before), or 4 KiB over it while small (a
    // 32nd of a small pool made it reallocate some 150 times on its way up: the fourteenth pass).
    template <class V, class T>
    static void append(V& v, const T& x) {
        static constexpr std::size_t least = (std::size_t{4} << 10) / sizeof(T);
        if (v.size() == v.capacity()) v.reserve(v.size() + std::max(v.size() / 32, least));
        v.push_back(x);
    }
    // A slot of `pool`: the head of its free list `free` (threaded through each free slot's
    // `link`), else a new one at its end; `too_many` is the error past 2^29 slots (a slot's id
    // must fit a calendar target).
    template <auto link, class T>
    static std::uint32_t take_slot(std::vector<T>& pool, std::uint32_t& free, const char* too_many) {
        if (free != nil) {
            const std::uint32_t id = free;
            free = pool[id].*link;
            return id;
        }
        if (pool.size() >= no_target) throw simulation_error(too_many);
        append(pool, T{});
        return static_cast<std::uint32_t>(pool.size() - 1);
    }
    template <auto link, class T>
    static void give_back(std::vector<T>& pool, std::uint32_t& free, std::uint32_t id) {
        pool[id].*link = free;
        free = id;
    }
    void add_member(std::uint32_t f, std::uint8_t track, std::uint8_t state, std::uint8_t benefit, double t);
    // The room `other` has in the arrays that grow with the population: a vector's copy holds
    // its elements only, so a second arm copied from the first would otherwise grow them a 32nd
    // at a time as families arrive, copying them each time (docs/performance.md, "Seventeenth
    // pass: the second arm keeps the room reserved for arrivals").
    void reserve_as(const simulator& other);
    std::uint32_t generate_family(double t, bool first_families = false);

    // ---- the warm-up (population.warmup_months; simulation_warmup.cpp) ----------------------------
    // Month 0 begins at t (the warm-up's length; 0 without one): the solution arm selects its
    // families, the other notes the candidates; arrivals before it are not considered.
    void begin_horizon(double t);
    // Removes the warm-up's months (and years) from every output, so they count from month 0.
    void drop_warmup();

    // ---- open populations ---------------------------------------------------------------------
    void schedule_arrivals();
    void next_poisson_arrival(double t, std::uint32_t k);
    void schedule_leave(std::uint32_t first, double t);
    void arrive(std::uint32_t k, double t);
    void leave(std::uint32_t first, double t);
    void start_clocks();
    void initial_requests();

    // ---- selection into the solution (report sec. 4.2) ----------------------------------
    /// selection.rank's keys in its order, each higher first (unused keys 0).
    using rank_keys = std::array<double, 3>;
    struct candidate {
        rank_keys rank;
        double tie;
        std::uint32_t first;
    };
    void select_families(double t);
    bool is_candidate(std::uint32_t first, std::uint32_t end, double t, candidate& c) const;
    void consider(std::uint32_t first, std::uint32_t end, double t);
    // Whether the family meets selection's criteria at t; with `rank`, also its keys for the
    // waiting list's order (selection.rank). Without, what only the keys need is not computed
    // (a duration's start draws for each member with a case): a look at the waiting list asks
    // for eligibility alone, family after family.
    bool eligible(std::uint32_t first, std::uint32_t end, double t, rank_keys* rank = nullptr) const;
    void admit_while_room(double t);
    // selection.inherited: the caseworkers' own cases take their share of the places at t = 0;
    // end_stay is a stay's end, where an inherited family that now meets the criteria stays on.
    void admit_inherited(double t);
    void end_stay(std::uint32_t first, double t);
    void schedule_stay(std::uint32_t first, double t);
    // ---- ages (ages.hpp), selection.quota and selection.case_capacity ----------------------
    // A member's age in years at time t (NaN on a track without ages).
    [[nodiscard]] double age_years(std::uint32_t mi, double t) const { return (t - born_[mi]) / 12.0; }
    void draw_age(std::uint32_t mi, double t);
    // Bit g: some member of the family is in selection.quota's group g at time t.
    [[nodiscard]] std::uint32_t quota_groups(std::uint32_t first, std::uint32_t end, double t) const;
    [[nodiscard]] bool in_age_bands(std::uint32_t first, std::uint32_t end, double t) const;
    // When the current stage of the member's case began (selection.rank = "duration").
    [[nodiscard]] double stage_start(std::uint32_t mi) const;
    void admit_by_rules(double t);
    [[nodiscard]] std::uint32_t cases(std::uint32_t first, std::size_t k) const;
    [[nodiscard]] bool cases_fit(std::uint32_t first) const;
    void hold_places(std::uint32_t first, std::uint32_t groups, int sign);
    [[nodiscard]] bool waiting_eligible(std::size_t pos, double t);
    [[nodiscard]] std::uint32_t places(double t) const;
    void schedule_capacity_changes();

    // ---- places in states (tracks.states.capacity) -------------------------------------------
    // The state member `mi` (record `mb`) enters when it is bound for `state` at time t: `state`
    // itself, or its when_full state when every place is taken (counted as redirected; with a
    // queue it waits there, in the spell `spell` it is entering). Takes the place. Only with
    // model::capacity_states.
    std::uint8_t place(const member& mb, std::uint32_t mi, std::uint32_t spell, std::uint8_t state, double t) {
        const auto& cs = track_states_[mb.track][state];
        if (cs.capacity == 0) return state;
        std::uint32_t& taken = state_count_[cs.occupancy_row];
        if (taken < cs.capacity) {
            ++taken;
            return state;
        }
        const std::size_t rows = m_.occupancy_rows.size();
        ++out_.group_redirected[(static_cast<std::size_t>(treat(mb)) * months_ + month_of(t)) * rows + cs.occupancy_row];
        if (cs.queued) {
            place_queues_[cs.occupancy_row].line[queue_of(cs.solution_first, treat(mb))].push({grid_.ceil(t), mi, spell});
            ++out_.events;  // a queue join
        }
        return cs.when_full;
    }
    void vacate(const detail::compiled_state& cs) {
        if (cs.capacity > 0) --state_count_[cs.occupancy_row];
    }
    void serve_places(std::uint8_t track, std::uint8_t state, double t);
    void enter_from_queue(std::uint32_t mi, std::uint8_t state, double t, double t_request);
    void reconsider(std::uint32_t mi, double t);
    // Eligibility classes (selection.recheck): states of a track whose members count the same in
    // eligible() (the same sectors and, for every benefit type, the same number of services)
    // share a class. A family outside the solution and not listed is not a candidate as its
    // members stand (it was looked at when it arrived or at the start, and again after every
    // transition that could change that), so a transition within a class needs no new look.
    void classify_eligibility();
    std::vector<std::uint16_t> eligibility_class_[16];
    void list_family(std::uint32_t first) {
        const std::uint32_t f = members_[first].family;
        if (listed_.size() <= f) listed_.resize(f + 1, 0);
        listed_[f] = 1;
    }
    void admit(std::uint32_t first, double t);
    void leave_solution(std::uint32_t first, double t);
    void set_treatment(std::uint32_t first, std::uint32_t end, bool in, double t);
    void book_open_spells(std::uint32_t mi, double factor, double t);

    // ---- hazards ----------------------------------------------------------------------------
    double weights(std::uint32_t mi, double* w) const;
    // Some effect can act on the member in state cs: the state has effects, and the member's
    // family holds an intervention or the member is inside the solution; otherwise its weights
    // are its state's own (and their sum, base_total, bit for bit). Bit operations, no branch (a
    // branch on has_effects alone mispredicted often: states with and without effects alternate
    // from event to event).
    [[nodiscard]] bool effects_may_act(const detail::compiled_state& cs, const member& mb) const {
        return (static_cast<unsigned>(cs.has_effects) &
                (mb.busy | (static_cast<unsigned>(arm_ == arm::solution) & mb.in_solution))) != 0;
    }
    [[nodiscard]] double fire_months(std::uint32_t mi) const;
    // Sets the member's pending transition to the first grid point at or after t_fire (not
    // before the current event; inf: none) and schedules it. The event is valid while the
    // member's `fire` still equals its tick: a clock that moves, stops or is replaced makes older
    // events stale.
    void set_fire(std::uint32_t mi, double t_fire) { set_fire(mi, t_fire, fire_tick(t_fire)); }
    // The tick a pending transition at t_fire gets (no_fire for inf).
    [[nodiscard]] std::uint32_t fire_tick(double t_fire) const {
        return t_fire < inf ? std::max(grid_.ceil(t_fire), cal_.now()) : no_fire;
    }
    void set_fire(std::uint32_t mi, double t_fire, std::uint32_t tick) {
        member& mb = members_[mi];
        const std::uint32_t was = mb.fire;
        mb.fire = tick;
        if (mb.fire == time_grid::saturated || was == time_grid::saturated) [[unlikely]] {
            set_far_fire(mi, mb.fire == time_grid::saturated ? t_fire : inf);
        }
        if (mb.fire < time_grid::saturated) cal_.push(mb.fire, make_target(ev_transition, mi));
    }
    void set_far_fire(std::uint32_t mi, double t_fire);
    // The member's hazard multiplier: its state's base_total unless an effect can act on it. The
    // test is inline (draw_clock calls it for every clock; out of line it was a call a
    // transition); the weights of a member some effect can act on are summed out of line.
    double multiplier(std::uint32_t mi) const {
        const member& mb = members_[mi];
        const auto& cs = state_of(mb);
        if (!effects_may_act(cs, mb)) return cs.base_total;
        return multiplied_total(mi);
    }
    [[gnu::noinline]] double multiplied_total(std::uint32_t mi) const;
    // Starts the member's clock for its current spell at t, from the spell's stream.
    void schedule_clock(std::uint32_t mi, double t);
    // The body: `s` is the spell's stream after its destination number. Inlined into
    // transition, the hot caller.
    [[gnu::always_inline]] inline void draw_clock(std::uint32_t mi, double t, stream& s);
    void rescale(std::uint32_t mi, double before, double t);

    // ---- costs ------------------------------------------------------------------------------
    // Every cost of a member goes through these two: the ledger line and, when recorded, the
    // member's family's row of the per-family output.
    // The optional outputs cost one test each per booking when off: § 176's book (s176_) tests a
    // line's slot inline and goes out of line only for the lines it covers; the per-family output
    // and the booking log go out of line together (detail_).
    void book(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
        out_.costs.accrue(line, rate, t0, t1);
        if (s176_) s176_accrue(mi, line, rate, t0, t1);
        if (detail_) [[unlikely]] book_detail(mi, line, rate, t0, t1);
    }
    // The same over a spell's interval [t0, t1) cut once (ledger::cut) for all its lines.
    void book(std::uint32_t mi, std::size_t line, double rate, const ledger::interval& span, double t0, double t1) {
        out_.costs.accrue(line, rate, span);
        if (s176_) s176_accrue(mi, line, rate, t0, t1);
        if (detail_) [[unlikely]] book_detail(mi, line, rate, t0, t1);
    }
    void book_lump(std::uint32_t mi, std::size_t line, double amount, double t) {
        out_.costs.lump(line, amount, t);
        if (s176_) s176_book_.lump(static_cast<std::uint32_t>(line), members_[mi].family, mi, amount, t);
        if (detail_) [[unlikely]] book_lump_detail(mi, line, amount, t);
    }
    void s176_accrue(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
        s176_book_.accrue(static_cast<std::uint32_t>(line), members_[mi].family, mi, rate, t0, t1);
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
    void note_candidates(std::uint32_t first, std::uint32_t end, double t);
    void book_state(std::uint32_t mi, double t);
    // The body of book_state; inlined into transition, the hot caller.
    [[gnu::always_inline]] inline void book_spell(std::uint32_t mi, double t);
    // The refund of the member's benefit `bc` (at `factor` times its rate) over its spell
    // [entry, t), cut once into `span` (ledger::cut).
    void book_refund(std::uint32_t mi, const detail::booked_cost& bc, double factor, const ledger::interval& span, double t);
    void count_benefit_weeks(std::uint32_t mi, bool was_on, bool is_on, double t);
    void book_entry_lumps(std::uint32_t mi, const detail::compiled_state& cs);
    void book_instance(const instance& in, double t);
    void book_staff();
    void book_coordination();
    void book_reimbursement();

    // ---- interventions ----------------------------------------------------------------------
    bool has_active(std::uint32_t mi, std::uint32_t iv) const {
        if (!members_[mi].busy) return false;
        for (std::uint32_t id = fam_inst_[members_[mi].family]; id != nil; id = pool_[id].next)
            if (pool_[id].member == mi && pool_[id].iv == iv) return true;
        return false;
    }
    // Calls f(id) for each active intervention of member mi (f may end it).
    template <class F>
    void for_instances(std::uint32_t mi, F&& f) {
        if (!members_[mi].busy) return;
        for (std::uint32_t id = fam_inst_[members_[mi].family]; id != nil;) {
            const std::uint32_t next = pool_[id].next;
            if (pool_[id].member == mi) f(id);
            id = next;
        }
    }
    void set_busy(std::uint32_t mi, bool busy) {
        for (std::uint32_t o = family_first(mi), end = family_end(mi); o < end; ++o) members_[o].busy = busy ? 1 : 0;
    }
    std::uint32_t allocate_instance() {
        return take_slot<&instance::next>(pool_, free_inst_, "more than 2^29 interventions active at once");
    }
    void release_instance(std::uint32_t id) { give_back<&instance::next>(pool_, free_inst_, id); }
    std::uint32_t allocate_delayed() {
        return take_slot<&delayed_request::member>(delayed_, free_delayed_, "more than 2^29 requests awaiting decision");
    }
    void release_delayed(std::uint32_t slot) {
        if (!delayed_[slot].at_entry) delayed_ticks_.erase(slot);
        give_back<&delayed_request::member>(delayed_, free_delayed_, slot);
    }
    // The tick a delayed request was made at, while its member is in the spell it was made in.
    [[nodiscard]] std::uint32_t request_tick(std::uint32_t slot) const {
        const delayed_request& r = delayed_[slot];
        return r.at_entry ? members_[r.member].entry : delayed_ticks_.at(slot);
    }
    // The member's spell counter moves on: its next draws are new, and requests it queued or
    // delayed in the spell that ended are dropped.
    void next_spell(std::uint32_t mi) {
        member& mb = members_[mi];
        if (mb.spell == spell_mask) throw simulation_error(too_many_transitions(mi));
        ++mb.spell;
    }
    [[nodiscard]] std::string too_many_transitions(std::uint32_t mi) const;
    void request_for_state(std::uint32_t mi, double t);
    void request(std::uint32_t mi, std::uint32_t iv, double t);
    void decide(std::uint32_t mi, std::uint32_t iv, double t, treatment asked_in, double waited);
    [[nodiscard]] bool grant_above(std::uint32_t mi, std::uint32_t iv) const;
    // The cell of (group, month, intervention) in the by-group arrays (arm_result::group_starts):
    // `cell` is the (month, intervention) cell of the totals.
    [[nodiscard]] std::size_t group_cell(treatment g, std::size_t cell) const {
        return static_cast<std::size_t>(g) * months_ * m_.interventions.size() + cell;
    }
    void note_queue_change(std::uint32_t iv, double t);
    // Members whose hazards an intervention iv of `mi` can change: itself and its family. Only
    // those it touches are looked at (the others' multipliers are the same before and after):
    // those it counts for (intervention.hpp, counts_for) with an effect in their track and state.
    // The member whose transition is being handled is not touched either: its clock is drawn anew.
    template <class F>
    void with_family_rates(std::uint32_t mi, std::uint32_t iv, F&& change, double t) {
        constexpr double untouched = -1.0;  // multipliers are >= 0
        const std::uint32_t first = family_first(mi);
        const std::uint32_t end = family_end(mi);
        const auto& effects = m_.interventions[iv].effects;
        auto touches = [&](std::uint32_t o) {
            const member& mb = members_[o];
            return o != transitioning_ && counts_for(o == mi, members_[mi].track == mb.track) &&
                   acts_on_any(effects, mb.track, mb.state);
        };
        rate_snapshot before(end - first);
        for (std::uint32_t o = first; o < end; ++o) before[o - first] = touches(o) ? multiplier(o) : untouched;
        change();
        for (std::uint32_t o = first; o < end; ++o)
            if (before[o - first] != untouched) rescale(o, before[o - first], t);
    }
    void start(std::uint32_t mi, std::uint32_t iv, double t, double t_request);
    void end_instance(std::uint32_t id, double t);
    void serve_queue(std::uint32_t iv, double t);

    // ---- events -----------------------------------------------------------------------------
    // Member records above this size (16,384 families of two) are prefetched ahead of their
    // events; below it they stay in a 1 MiB L2 cache anyway (docs/performance.md, "Fifth pass").
    static constexpr std::size_t prefetch_above_bytes = std::size_t{1} << 19;
    // Pops and handles events until the calendar is empty, or with ToWarmupEnd until the warm-up's
    // end is popped (kept in held_, not handled); run_events picks the loop with or without the
    // prefetch (prefetch_).
    template <bool Prefetch, bool ToWarmupEnd>
    void event_loop();
    template <bool ToWarmupEnd>
    void run_events() {
        if (prefetch_) {
            event_loop<true, ToWarmupEnd>();
        } else {
            event_loop<false, ToWarmupEnd>();
        }
    }
    void begin_run();
    void handle(const event& ev);
    [[nodiscard]] event_subject subject_of(const event& ev) const;  // simulation_events.cpp
    void delayed_decision(std::uint32_t slot, double t);
    void transition(std::uint32_t mi, double t);
    // The member enters state `to` at t (its spell so far is booked, its place taken): the rest
    // of a transition, whose stream `s` draws the new spell's clock. Inlined into transition.
    [[gnu::always_inline]] inline void enter(std::uint32_t mi, std::uint8_t to, double t, stream& s);
    void settle();

    const model& m_;
    arm arm_;
    bool fam_;             // record the per-family output (arm_result::family_costs)
    bool log_;             // record the booking log (arm_result::bookings)
    bool s176_ = m_.reimbursement.enabled();  // § 176: costs are summed per family or member
    bool detail_ = fam_ || log_;  // either
    const std::atomic<bool>* cancel_;  // set by another thread to stop the run (may be null)
    // Internally the run covers the warm-up and the horizon: month 0 of the output is month
    // warmup_ of the run (drop_warmup). Without a warm-up the two count alike.
    double warmup_;        // months (a whole number of years)
    std::size_t months_;   // warm-up plus horizon
    bool started_;         // month 0 has begun (begin_horizon)
    bool prefetch_ = false;  // prefetch the records of events ahead (decided in begin_run)
    std::optional<event> held_;  // the warm-up's end, popped by run_warmup and not yet handled
    std::size_t years_;    // of the per-family output, warm-up included until drop_warmup
    double horizon_;       // months_, the run's end
    key_hash prefix_;  // seed and replication, hashed once
    time_grid grid_;
    const detail::compiled_state* track_states_[16] = {};  // per track (at most 16), its first state
    // Per track, its compiled_track::resolved_costs, cost_runs and benefit_types (state_costs).
    struct track_cost_table {
        const detail::booked_cost* costs = nullptr;
        const std::uint32_t* runs = nullptr;
        std::size_t benefit_types = 1;
    };
    track_cost_table track_costs_[16] = {};
    calendar cal_;
    std::vector<member, detail::big_allocator<member>> members_;
    std::vector<std::uint32_t> fam_inst_;  // per family: its active interventions, a list through instance::next
    std::unordered_map<std::uint32_t, double> far_fire_;  // exact times (months) of saturated clocks, by member
    std::vector<delayed_request> delayed_;
    std::unordered_map<std::uint32_t, std::uint32_t> delayed_ticks_;  // by slot: ticks of requests not made at entry
    std::uint32_t free_delayed_ = nil;
    std::vector<instance> pool_;
    std::uint32_t free_inst_ = nil;
    std::vector<std::uint32_t> busy_;
    std::vector<queue_pair> queues_;      // per intervention
    std::vector<double> queue_since_;
    std::vector<std::uint32_t> waiting_;
    std::size_t next_waiting_ = 0;
    // selection.recheck: per family, 1 while on the waiting list or once admitted (never listed
    // again); the flag is only kept in the solution arm with recheck on.
    std::vector<std::uint8_t> listed_;
    bool recheck_ = false;
    std::vector<std::uint8_t> inherited_;  // selection.inherited only: per family, 1 while it holds an inherited place
    std::vector<double> born_;  // ages only: each member's time of birth (months; NaN: no age)
    // selection.quota only: per family, the groups it counted for when admitted; per group, the
    // families inside the solution that count for it.
    std::vector<std::uint8_t> quota_mask_;
    std::vector<std::uint32_t> quota_inside_;
    // selection.case_capacity only: per family and cap, its cases when admitted; per cap, the
    // cases inside the solution.
    std::vector<std::uint32_t> family_cases_;
    std::vector<std::uint32_t> cases_inside_;
    // selection.include_benefits and exclude_benefits per track, a bit per benefit type (at most
    // 64 a track): eligible() tests a member's benefit with one load.
    std::uint64_t include_mask_[16] = {};
    std::uint64_t exclude_mask_[16] = {};
    std::vector<std::uint32_t> state_count_;  // members in each state with places, by occupancy row
    std::vector<queue_pair> place_queues_;    // members waiting for a place, by occupancy row (tracks.states.queue)
    std::uint32_t in_solution_ = 0;
    std::uint32_t next_family_ = 0;
    detail::reimbursement_book s176_book_;  // § 176 only (reimbursement.hpp)
    bool refusion_ = m_.spec.refusion.enabled();
    // refusion.initial_weeks in months: the age of a count that has not restarted, at its start
    // (benefit_count::age), divided once here rather than at every refund.
    double initial_months_ = m_.spec.refusion.initial_weeks / weeks_per_month;
    // Refusion only: the benefit weeks of the members who can ever be on benefits (a state with a
    // refundable benefit can be reached from the state they entered the population in:
    // compiled_track::benefit_reach), in member order; counted_ says which members have one. In the default
    // scenario a third of the members (adults who are not self-supporting) have one. The time it
    // last left benefits is a tick, not months: it is always an event's time, which months()
    // gives back bit for bit.
    std::vector<benefit_count> benefit_counts_;
    sparse_index counted_;
    benefit_count& benefit_count_of(std::uint32_t mi) { return benefit_counts_[counted_.slot(mi)]; }
    std::uint32_t transitioning_ = nil;
    // draw_first_clocks: per member, the tick of its first clock (no_fire: none; saturated: drawn
    // again in start_clocks for its exact time); empty when not drawn, and after start_clocks.
    std::vector<std::uint32_t> first_fire_;
    arm_result out_;
};

}  // namespace tvaer::detail
