#pragma once
/// Sojourn-time and duration distributions, described by their cumulative hazard.
///
/// A clock is started by drawing E ~ Exp(1); it fires at the first age s with M * H0(s) >= E,
/// where H0 is the baseline cumulative hazard and M the current hazard multiplier
/// (proportional hazards). When M changes at age a, the pending clock is rescaled, not redrawn:
/// the new firing age is H0^-1(H0(a) + remaining / M_new), with remaining = M_old*(H0(s)-H0(a)).
/// That is exact for every distribution with a continuous H0 (exponential, Weibull, log-normal,
/// empirical with linear interpolation), and it draws no new number, which keeps common random
/// numbers aligned between arms. A fixed duration has no hazard, so multipliers do not change it.
/// See docs/model.md, "clocks".
#include <boost/random/exponential_distribution.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tvaer/rng.hpp"

namespace tvaer {

enum class sojourn_kind : std::uint8_t { exponential, weibull, lognormal, fixed, empirical };

struct sojourn {
    sojourn_kind kind = sojourn_kind::exponential;
    double a = 1.0;  ///< exponential: rate; weibull: shape k; lognormal: mu; fixed: duration
    double b = 1.0;  ///< weibull: scale lambda; lognormal: sigma
    std::vector<double> table;  ///< empirical: sorted durations (>= 2 points)

    static sojourn exponential(double rate);
    static sojourn weibull(double shape, double scale);
    static sojourn lognormal(double mu, double sigma);
    static sojourn fixed(double duration);
    static sojourn empirical(std::vector<double> durations);

    /// H0(s) for age s >= 0 (may be +inf for a fixed or bounded distribution).
    [[nodiscard]] double cum_hazard(double age) const;
    /// The smallest age s with H0(s) >= h, for h >= 0.
    [[nodiscard]] double inverse_cum_hazard(double h) const;
    /// A draw: inverse_cum_hazard(E / multiplier) with E ~ Exp(1) from `s`. Inline for the
    /// exponential (E / multiplier / rate, the same operations): interventions draw one per start.
    [[nodiscard]] double sample(stream& s, double multiplier = 1.0) const;
    [[nodiscard]] double mean() const;
    /// False for fixed durations: multipliers leave them unchanged.
    [[nodiscard]] bool has_hazard() const noexcept { return kind != sojourn_kind::fixed; }

    /// Throws scenario_error naming `where` if the parameters are invalid.
    void validate(const std::string& where) const;
};

/// A unit exponential draw (Boost.Random's ziggurat exponential) from stream `s`. Inline: the
/// event loop draws one per clock.
inline double unit_exponential(stream& s) {
    boost::random::exponential_distribution<double> e(1.0);
    return e(s);
}

// Always inline: the event loop draws one per clock, and GCC stops inlining it into
// simulator::transition once that grows (twelfth pass, docs/performance.md).
[[gnu::always_inline]] inline double sojourn::sample(stream& s, double multiplier) const {
    if (kind == sojourn_kind::fixed) return a;
    const double h = unit_exponential(s) / multiplier;
    return kind == sojourn_kind::exponential ? h / a : inverse_cum_hazard(h);  // h / a: its value for h >= 0
}

/// Firing age of a clock after a multiplier change: see the header comment.
/// `age` is the current age, `fire_age` the pending firing age under `m_old`.
double rescale_fire_age(const sojourn& d, double age, double fire_age, double m_old, double m_new);

}  // namespace tvaer
