#include "tvaer/moments.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tvaer {

namespace {

// One replication's values of one source into its part of the moments. No FMA: the build does
// not target it (no -march), and the operations are those NumPy's fold did one array at a time.
template <class T>
void fold_row(double* mean, double* m2, const T* x, std::size_t width, double n) {
    for (std::size_t j = 0; j < width; ++j) {
        const double v = static_cast<double>(x[j]);
        const double delta = v - mean[j];
        mean[j] += delta / n;
        m2[j] += delta * (v - mean[j]);
    }
}

}  // namespace

void fold_moments(std::span<double> mean, std::span<double> m2, std::uint64_t seen,
                  std::span<const moment_rows> sources, std::size_t rows) {
    std::size_t total = 0;
    for (const moment_rows& s : sources) total += s.width;
    if (total != mean.size() || total != m2.size())
        throw std::invalid_argument(fmt::format("fold_moments: the sources' rows have {} values, the moments {} and {}",
                                                total, mean.size(), m2.size()));
    for (std::size_t r = 0; r < rows; ++r) {
        const double n = static_cast<double>(seen + r + 1);
        std::size_t at = 0;
        for (const moment_rows& s : sources) {
            std::visit([&](auto* data) { fold_row(mean.data() + at, m2.data() + at, data + r * s.width, s.width, n); },
                       s.data);
            at += s.width;
        }
    }
}

}  // namespace tvaer
