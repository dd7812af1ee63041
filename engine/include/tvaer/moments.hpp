#pragma once
/// Running moments over replications: the mean and the sum of squared deviations of every value
/// of a replication's results, updated one replication at a time (Welford's method). Python's
/// `tvaer.aggregate.Totals` (`simulate(..., keep="totals")`) folds each block of replications
/// with it, so memory stays flat in replications.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace tvaer {

/// Rows of values, one row a replication: row r is the `width` values from `data + r * width`.
struct moment_rows {
    std::variant<const double*, const std::uint32_t*> data;
    std::size_t width = 0;
};

/// Folds rows [0, rows) of `sources` into `mean` and `m2`, which hold the moments of `seen`
/// replications so far: one replication at a time and in order, its row being the sources' rows
/// side by side (so `mean` and `m2` have as many values as the widths add up to). Each value x
/// of the n-th replication does
///     delta = x - mean;  mean += delta / n;  m2 += delta * (x - mean);
/// in IEEE double, exactly as NumPy would element by element, so the bytes depend only on the
/// order of the replications. Throws std::invalid_argument when the widths do not add up.
void fold_moments(std::span<double> mean, std::span<double> m2, std::uint64_t seen,
                  std::span<const moment_rows> sources, std::size_t rows);

}  // namespace tvaer
