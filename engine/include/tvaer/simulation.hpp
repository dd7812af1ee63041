#pragma once
/// One replication of a compiled model: every family simulated twice with common random numbers,
/// once treated as usual (arm::bau) and once with the cross-sector solution (arm::solution).
///
/// Families in the solution arm that are never selected into the solution draw exactly the same
/// numbers as in the business-as-usual arm, so their paths and costs are identical unless they
/// share a capacity-limited intervention with solution families.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "tvaer/ledger.hpp"
#include "tvaer/model.hpp"

namespace tvaer {

/// One booking of the optional booking log: an amount on a ledger line (its source, paying
/// budget, granting sector, cost kind and CPR registration: model::lines) for one member of one
/// family in one month. A spell is booked month by month; rebookings when a family enters or
/// leaves the solution appear as a negative booking on the old lines and a positive one on the
/// new, so the log sums, line by line and month by month, to the ledger.
struct booking {
    std::uint32_t family = 0;
    std::uint16_t member = 0;  ///< within the family, in the order its members were created
    std::uint16_t month = 0;
    std::uint32_t line = 0;
    /// The member's age in years at the start of the month (0 if born during it), NaN on a track
    /// without `ages` (ages.hpp).
    float age = 0.0F;
    double amount = 0.0;       ///< DKK
};

/// What one arm of one replication produced. Monthly arrays are row-major (month, column).
struct arm_result {
    ledger costs;       ///< model.lines x months, DKK
    ledger occupancy;   ///< model.occupancy_rows x months: member-months (families for the solution row)
    ledger queue;       ///< interventions x months: request-months spent waiting (time-integral of the queue)
    std::vector<std::uint32_t> transitions;  ///< months x model.transition_rows
    std::vector<std::uint32_t> requests;     ///< months x interventions
    std::vector<std::uint32_t> starts;       ///< months x interventions
    std::vector<std::uint32_t> dropped;      ///< months x interventions: requests dropped from a queue
    std::vector<double> wait_months;         ///< months x interventions: summed wait of the month's starts
    // The same split by group, 2 x months x interventions: families treated as usual (group 0,
    // "ordinary") and families inside the solution (group 1). Starts, drops and queue waits count in
    // the family's group at the start or drop; decided requests and their decision waits in its
    // group when it asked.
    std::vector<std::uint32_t> group_requests;   ///< requests decided in the month (they add up to `requests`)
    std::vector<std::uint32_t> group_starts;     ///< they add up to `starts`
    std::vector<std::uint32_t> group_dropped;    ///< they add up to `dropped`
    std::vector<double> group_wait_months;       ///< queue waits (decision to start) of the month's starts
    /// Decision waits (request to decision: decision delays, network meetings, the forum) of the
    /// requests decided in the month; a request dropped before its decision is not counted.
    std::vector<double> group_decision_wait;
    /// Members sent to a state's `when_full` state because its places were taken, by group,
    /// month and occupancy row of the full state ([group][month][row]).
    std::vector<std::uint32_t> group_redirected;
    /// With queues for places (tracks.states.queue; else empty): members who waited and moved
    /// into the state when a place freed, and their summed waits in months (from being sent to
    /// when_full to the move), by group at the move, month of the move and the state's row.
    std::vector<std::uint32_t> group_placed;
    std::vector<double> group_place_wait;
    /// transitions + starts + ends + queue joins (bench/ladder.md "Counting") + delayed decisions
    /// made (a request decided after a decision delay, network meeting or forum; one dropped
    /// because the member moved on is not counted, like a clock that no longer holds) + families
    /// arriving (an arrival with at least one member) and leaving the population (open populations)
    std::uint64_t events = 0;
    std::uint32_t families = 0;
    std::uint32_t members = 0;
    std::uint32_t admitted = 0;  ///< families ever admitted into the solution
    std::size_t engine_bytes = 0;  ///< member records + instance pool + calendar at the end of the run
    /// Per-family output, only when asked for (replication_options::family_costs), else empty.
    /// families x years x budgets x 2, DKK: what each family cost each paying budget in each year
    /// (year y is months [12y, 12y + 12); years = ceil(months / 12)), split into costs registered
    /// on a CPR number (index 0) and not (index 1; report sec. 4.13: what a municipality's own
    /// follow-up cannot see family by family). Every ledger booking that concerns a family,
    /// refunds included; the solution's staff line is not a family's cost.
    std::vector<double> family_costs;
    std::vector<std::int32_t> family_admitted;  ///< families: month first admitted into the solution, or -1
    /// families: 1 if eligible and motivated when considered (t = 0 or on arrival), in both arms:
    /// the business-as-usual arm evaluates the same keyed draws without admitting anyone.
    std::vector<std::uint8_t> family_candidate;
    /// The booking log, only when asked for (replication_options::bookings), else empty: every krone
    /// that concerns a family, with family, member, ledger line and month (the solution's staff
    /// line is not a family's cost and is not in it).
    std::vector<booking> bookings;
};

struct replication_result {
    std::uint32_t replication = 0;
    arm_result arms[2];  ///< indexed by arm
};

/// Years of the per-family output for a horizon of `months`: ceil(months / 12).
[[nodiscard]] constexpr std::size_t family_years(std::size_t months) noexcept { return (months + 11) / 12; }

/// What a replication records beyond the arrays every run has, and how another thread stops it.
struct replication_options {
    /// Also record the per-family output (arm_result::family_costs; results::family_costs).
    /// Off by default: it costs memory proportional to families x years x budgets.
    bool family_costs = false;
    /// Also record the booking log (arm_result::bookings; results::bookings): every krone with its
    /// family, member, ledger line and month. Meant for a few replications: it grows with the
    /// bookings (about one per member, cost line and month).
    bool bookings = false;
    /// When given, the run looks at it every few thousand events and throws tvaer::cancelled once
    /// it is set (a large arm stops within milliseconds, not at its end).
    const std::atomic<bool>* cancel = nullptr;
};

/// Simulates one arm, recording what `options` asks for. Throws simulation_error naming the
/// simulated time and event on failure, and tvaer::cancelled when `options.cancel` is set.
arm_result simulate_arm(const model& m, std::uint64_t seed, std::uint32_t replication, arm a,
                        const replication_options& options = {});

/// Simulates both arms of one replication (`options` as for simulate_arm).
replication_result simulate_replication(const model& m, std::uint64_t seed, std::uint32_t replication,
                                        const replication_options& options = {});

namespace detail {

/// What an event is about, as far as it is known (-1: not applicable), for error messages.
struct event_subject {
    std::int64_t family = -1;        ///< 0, 1, ... in order of creation (Results.family_costs)
    std::int64_t member = -1;        ///< place in its family, 0 for the first
    int track = -1, state = -1;      ///< the member's track and state (indices into m.spec.tracks)
    int intervention = -1;           ///< index into m.spec.interventions
    std::int64_t index = -1;         ///< arrival index, or the year of a capacity change
};

/// The event of kind `kind` (simulator.hpp's event_kind: 0 transition, 1 intervention end,
/// 2 decision, 3 end of stay, 4 arrival, 5 leave, 6 capacity change) in words, e.g.
/// `transition of family 12, member 0 (track 'adult', state 'crisis')`. Indices out of range of
/// `m` are shown as numbers; never throws anything but std::bad_alloc.
std::string describe_event(const model& m, unsigned kind, const event_subject& s);

}  // namespace detail

}  // namespace tvaer
