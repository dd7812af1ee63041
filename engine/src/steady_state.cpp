// The steady state of an open population: see steady_state.hpp for the formula.
#include "tvaer/steady_state.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace tvaer {

double laplace_transform(const sojourn& d, double r) {
    if (!(r > 0.0) || !std::isfinite(r)) throw std::invalid_argument(fmt::format("laplace_transform: r must be > 0 and finite, got {}", r));
    if (d.kind == sojourn_kind::exponential) return d.a / (d.a + r);
    if (d.kind == sojourn_kind::fixed) return std::exp(-r * d.a);
    constexpr int points = 1 << 14;
    double survival = 0.0;
    for (int i = 0; i < points; ++i) {
        const double u = (i + 0.5) / points;
        survival += std::exp(-d.cum_hazard(-std::log1p(-u) / r));
    }
    return 1.0 - survival / points;
}

std::vector<double> steady_state_mix(const detail::compiled_track& t, const std::vector<double>& arrivals, double leave_rate) {
    if (!(leave_rate > 0.0) || !std::isfinite(leave_rate)) {
        throw std::invalid_argument(fmt::format("steady_state_mix: leave_rate must be > 0 and finite, got {}", leave_rate));
    }
    const auto n = static_cast<Eigen::Index>(t.states.size());
    if (arrivals.size() != t.states.size()) {
        throw std::invalid_argument(fmt::format("steady_state_mix: {} arrival shares for {} states", arrivals.size(), n));
    }
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n);  // I - M
    Eigen::VectorXd stay(n);                              // 1 - E[e^{-r T_i}]
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto& s = t.states[static_cast<std::size_t>(i)];
        // Competing rates: T ~ Exp(total), destination k with probability rate_k / total.
        const double total = s.exponential ? s.base_total : 1.0;
        const double f = s.exponential ? total / (total + leave_rate) : laplace_transform(s.duration, leave_rate);
        for (std::size_t k = 0; k < s.dest.size(); ++k) {
            if (s.base[k] > 0.0) a(i, s.dest[k]) -= f * s.base[k] / total;
        }
        stay(i) = 1.0 - f;
    }
    const Eigen::VectorXd entries = a.transpose().partialPivLu().solve(Eigen::Map<const Eigen::VectorXd>(arrivals.data(), n));
    std::vector<double> mix(arrivals.size());
    double sum = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) sum += mix[static_cast<std::size_t>(i)] = std::max(0.0, entries(i) * stay(i));
    for (double& share : mix) share /= sum;
    return mix;
}

}  // namespace tvaer
