#pragma once
/// The outputs of consecutive replications, and the one table that lists them.
///
/// Every result array is one row of `result_arrays()`: its name, its named dimensions, units,
/// long name, element type and where its data lives in `results` and in `arm_result`.
/// Aggregation (`append`), the HDF5 file (results_file.hpp), the binding's NumPy arrays and
/// Python's labels all loop over that table, so a new output is the simulator code that fills
/// its `arm_result` member, a `results` member to hold it, and one row.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tvaer/simulation.hpp"

namespace tvaer {

/// The outputs of consecutive replications as flat row-major arrays, the replication index first,
/// then the arm (0 = business as usual, 1 = solution). The arrays are the rows of result_arrays().
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
    // The per-group split (arm_result::group_starts and the like), one array per group.
    std::vector<std::uint32_t> requests_ordinary, requests_solution;  ///< [rep][arm][month][intervention]
    std::vector<std::uint32_t> starts_ordinary, starts_solution;      ///< [rep][arm][month][intervention]
    std::vector<std::uint32_t> dropped_ordinary, dropped_solution;    ///< [rep][arm][month][intervention]
    std::vector<double> wait_months_ordinary, wait_months_solution;   ///< [rep][arm][month][intervention]
    std::vector<double> decision_wait_months_ordinary, decision_wait_months_solution;  ///< likewise
    std::vector<std::uint32_t> redirected_ordinary, redirected_solution;  ///< [rep][arm][month][occupancy row]
    /// Recorded when some state has a queue for its places (tracks.states.queue).
    bool has_place_queues = false;
    std::vector<std::uint32_t> placed_ordinary, placed_solution;          ///< [rep][arm][month][occupancy row]
    std::vector<double> place_wait_months_ordinary, place_wait_months_solution;  ///< likewise
    std::vector<std::uint64_t> events;        ///< [rep][arm]
    std::vector<std::uint32_t> admitted;      ///< [rep][arm]

    /// Per-family output, only when run with replication_options::family_costs (else all empty).
    /// The number of families varies by replication (open populations), so these are flat vectors
    /// of blocks: block (rep, arm) holds family_counts[rep][arm] families and starts at family
    /// family_offsets[rep][arm] (a prefix sum; costs start at that times years x budgets x 2).
    bool has_family_costs = false;
    std::vector<std::uint32_t> family_counts;   ///< [rep][arm]
    std::vector<std::uint64_t> family_offsets;  ///< [rep][arm]: families in the blocks before (not a table row: derived)
    std::vector<double> family_costs;           ///< [block][family][year][budget][cpr 0 / not 1], DKK
    std::vector<std::int32_t> family_admitted;  ///< [block][family]: month first admitted, or -1
    std::vector<std::uint8_t> family_candidate; ///< [block][family]: eligible and motivated

    /// The booking log, only when run with replication_options::bookings (else empty): block
    /// (rep, arm) holds booking_counts[rep][arm] bookings, in order. Not written to results files,
    /// so not in the table: a booking is one record of mixed types, not an array.
    bool has_bookings = false;
    std::vector<std::uint64_t> booking_counts;  ///< [rep][arm]
    std::vector<booking> bookings;

    /// Names of optional arrays these results do not hold although their recording option is on:
    /// arrays added after a file was written (result_array::optional) read back absent.
    std::vector<std::string> absent;

    /// Whether the results hold the array named `name` (a row of result_arrays()).
    [[nodiscard]] bool holds(std::string_view name) const;

    /// Appends the replications of `more`, which must directly follow these (same model and seed,
    /// both with or both without per-family output). Throws tvaer::error otherwise.
    void append(const results& more);
};

/// Where a result array's data lives: a vector of `results`, and the function that appends one
/// arm's values to it (row-major, after the replication and arm indices).
template <class T>
struct result_column {
    std::vector<T> results::*data;
    void (*collect)(std::vector<T>& into, const arm_result& arm);
};

/// One column per element type of the result arrays.
using any_result_column =
    std::variant<result_column<double>, result_column<std::uint64_t>, result_column<std::uint32_t>,
                 result_column<std::int32_t>, result_column<std::uint8_t>>;

/// One result array: a dataset of the results file, a NumPy array of the binding.
struct result_array {
    std::string_view name;                ///< also its dataset name in results files
    std::vector<std::string_view> dims;   ///< named; the first is "replication" or "family_record"
    std::string_view units;               ///< "" when it has none
    std::string_view long_name;
    /// The flag of `results` that says whether it was recorded (nullptr: always). Arrays of one
    /// flag come together: results and files hold all of them or none.
    bool results::*recorded_with;
    /// False for the arrays every results file of schema 1 holds (a file without one is refused).
    /// A new array is optional: files written before it lack it and read with it absent.
    bool optional;
    any_result_column column;
};

/// The table of result arrays, in file order.
[[nodiscard]] std::span<const result_array> result_arrays();

/// Families held in the per-family blocks (the extent of the "family_record" dimension).
[[nodiscard]] std::uint64_t family_records(const results& r);

/// The length of dimension `dim` in `r` (replication, family_record, arm, month, year,
/// registration, or a name coordinate). Throws std::invalid_argument for an unknown dimension.
[[nodiscard]] std::size_t dimension_size(const results& r, std::string_view dim);

/// The shape of array `a` in `r`, dimension by dimension.
[[nodiscard]] std::vector<std::size_t> shape_of(const results& r, const result_array& a);

/// The name coordinates: a dimension whose values are names held in `results`.
struct name_dimension {
    std::string_view name;
    std::vector<std::string> results::*names;
    std::string_view long_name;
};

/// The name dimensions (line, occupancy_row, transition_row, intervention, budget), in file order.
[[nodiscard]] std::span<const name_dimension> name_dimensions();

/// Calls f(row, data) for every array `r` holds, in table order; `data` is the row's vector of
/// `r` (const when `r` is).
template <class R, class F>
void for_each_held_array(R& r, F&& f) {
    for (const auto& a : result_arrays()) {
        if (!r.holds(a.name)) continue;
        std::visit([&](const auto& c) { f(a, r.*c.data); }, a.column);
    }
}

/// An empty results object shaped for `m`, holding the arrays that `options` records.
results make_results(const model& m, std::uint64_t seed, std::uint32_t first_replication,
                     const replication_options& options = {});

/// Appends both arms of one replication to `r` (which must have been made with the same options).
void append_replication(results& r, const replication_result& rr);

/// Reserves room in `r`'s arrays for `total` replications in all, each as large as the ones
/// already appended (at least one); the booking log, whose size varies, is left alone. Appending
/// then neither reallocates nor leaves up to twice the room needed.
void reserve_replications(results& r, std::uint32_t total);

}  // namespace tvaer
