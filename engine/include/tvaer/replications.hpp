#pragma once
/// Many replications of a model, in threads, merged in replication order.
///
/// Replication r of seed s is the same numbers whichever thread or machine runs it (keyed
/// streams, rng.hpp), so results of disjoint replication ranges can be computed anywhere and
/// merged with `append()`; the merged arrays equal a single run over the whole range bit for bit.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer {

struct run_options {
    std::uint64_t seed = 1;
    std::uint32_t first_replication = 0;
    std::uint32_t replications = 1;
    unsigned threads = 1;  ///< 0: one per hardware thread
    /// Called from the calling thread as replications complete and at least every 100 ms
    /// (argument: how many are done); returning false stops the run early: replications not yet
    /// started are skipped, those running are abandoned within a few thousand events.
    std::function<bool(std::uint32_t)> progress;
    /// Last, so that positional initialisers {seed, first, count, threads, progress} stay valid.
    /// Also record the per-family output (arm_result::family_costs; results::family_costs).
    /// Off by default: it costs memory proportional to families x years x budgets.
    bool family_costs = false;
    /// Also record the booking log (arm_result::bookings; results::bookings): every krone with its
    /// family, member, ledger line and month. Meant for a few replications: it grows with the
    /// bookings (about one per member, cost line and month).
    bool bookings = false;
};

/// The outputs of consecutive replications as flat row-major arrays, the replication index first,
/// then the arm (0 = business as usual, 1 = solution).
struct results {
    std::uint64_t seed = 0;
    std::uint32_t first_replication = 0;
    std::uint32_t replications = 0;  ///< number of complete replications held
    std::size_t months = 0;
    std::vector<std::string> budgets, line_sources, occupancy_rows, transition_rows, interventions;
    std::vector<double> costs;                ///< [rep][arm][line][month]
    std::vector<double> occupancy;            ///< [rep][arm][row][month]
    std::vector<double> queue;                ///< [rep][arm][intervention][month]
    std::vector<std::uint32_t> transitions;   ///< [rep][arm][month][row]
    std::vector<std::uint32_t> requests;      ///< [rep][arm][month][intervention]
    std::vector<std::uint32_t> starts;        ///< [rep][arm][month][intervention]
    std::vector<std::uint32_t> dropped;       ///< [rep][arm][month][intervention]
    std::vector<double> wait_months;          ///< [rep][arm][month][intervention]
    std::vector<std::uint64_t> events;        ///< [rep][arm]
    std::vector<std::uint32_t> admitted;      ///< [rep][arm]

    /// Per-family output, only when run with run_options::family_costs (else all empty). The
    /// number of families varies by replication (open populations), so these are flat vectors of
    /// blocks: block (rep, arm) holds family_counts[rep][arm] families and starts at family
    /// family_offsets[rep][arm] (a prefix sum; costs start at that times years x budgets x 2).
    /// Written to results files when present (results_file.hpp, `family_record` datasets).
    bool has_family_costs = false;
    std::vector<std::uint32_t> family_counts;   ///< [rep][arm]
    std::vector<std::uint64_t> family_offsets;  ///< [rep][arm]: families in the blocks before
    std::vector<double> family_costs;           ///< [block][family][year][budget][cpr 0 / not 1], DKK
    std::vector<std::int32_t> family_admitted;  ///< [block][family]: month first admitted, or -1
    std::vector<std::uint8_t> family_candidate; ///< [block][family]: eligible and motivated

    /// The booking log, only when run with run_options::bookings (else empty): block (rep, arm)
    /// holds booking_counts[rep][arm] bookings, in order. Not written to results files.
    bool has_bookings = false;
    std::vector<std::uint64_t> booking_counts;  ///< [rep][arm]
    std::vector<booking> bookings;

    /// Appends the replications of `more`, which must directly follow these (same model and seed,
    /// both with or both without per-family output). Throws tvaer::error otherwise.
    void append(const results& more);
};

/// An empty results object shaped for `m`.
results make_results(const model& m, std::uint64_t seed, std::uint32_t first_replication);

/// Runs replications [first, first + replications) on `threads` threads. Deterministic whatever
/// the thread count. Stops early (returning the complete prefix) when `progress` returns false.
/// An exception in any replication stops the run and is rethrown after the threads have joined.
results run_replications(const model& m, const run_options& options);

}  // namespace tvaer
