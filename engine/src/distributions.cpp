#include "tvaer/distributions.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "scenario_read.hpp"
#include "tvaer/error.hpp"
#include "tvaer/rng.hpp"

namespace tvaer {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

const boost::math::normal_distribution<double>& standard_normal() {
    static const boost::math::normal_distribution<double> n(0.0, 1.0);
    return n;
}

// Empirical: linear interpolation of the CDF through (d_i, i/(n-1)).
double empirical_cdf(const std::vector<double>& t, double s) {
    if (s <= t.front()) return 0.0;
    if (s >= t.back()) return 1.0;
    const auto it = std::upper_bound(t.begin(), t.end(), s);
    const auto i = static_cast<std::size_t>(it - t.begin());  // t[i-1] <= s < t[i]
    const double n1 = static_cast<double>(t.size() - 1);
    const double frac = (s - t[i - 1]) / (t[i] - t[i - 1]);
    return (static_cast<double>(i - 1) + frac) / n1;
}

double empirical_quantile(const std::vector<double>& t, double p) {
    const double pos = p * static_cast<double>(t.size() - 1);
    const auto i = std::min(static_cast<std::size_t>(pos), t.size() - 2);
    return t[i] + (pos - static_cast<double>(i)) * (t[i + 1] - t[i]);
}
}  // namespace

sojourn sojourn::exponential(double rate) { return {sojourn_kind::exponential, rate, 1.0, {}}; }
sojourn sojourn::weibull(double shape, double scale) { return {sojourn_kind::weibull, shape, scale, {}}; }
sojourn sojourn::lognormal(double mu, double sigma) { return {sojourn_kind::lognormal, mu, sigma, {}}; }
sojourn sojourn::fixed(double duration) { return {sojourn_kind::fixed, duration, 1.0, {}}; }
sojourn sojourn::empirical(std::vector<double> durations) {
    std::sort(durations.begin(), durations.end());
    return {sojourn_kind::empirical, 0.0, 0.0, std::move(durations)};
}

double sojourn::cum_hazard(double age) const {
    if (age <= 0.0) return 0.0;
    switch (kind) {
        case sojourn_kind::exponential: return a * age;
        case sojourn_kind::weibull: return std::pow(age / b, a);
        case sojourn_kind::lognormal: {
            const double z = (std::log(age) - a) / b;
            const double surv = boost::math::cdf(boost::math::complement(standard_normal(), z));
            return surv > 0.0 ? -std::log(surv) : inf;
        }
        case sojourn_kind::fixed: return age >= a ? inf : 0.0;
        case sojourn_kind::empirical: {
            const double F = empirical_cdf(table, age);
            return F < 1.0 ? -std::log1p(-F) : inf;
        }
    }
    return inf;
}

double sojourn::inverse_cum_hazard(double h) const {
    if (h <= 0.0) return kind == sojourn_kind::fixed ? a : (kind == sojourn_kind::empirical ? table.front() : 0.0);
    switch (kind) {
        case sojourn_kind::exponential: return h / a;
        case sojourn_kind::weibull: return b * std::pow(h, 1.0 / a);
        case sojourn_kind::lognormal: {
            // S(s) = exp(-h)  =>  z = Phi^-1(1 - exp(-h)), computed on the complement for large h.
            const double q = std::exp(-h);
            if (q <= 0.0) return inf;
            const double z = boost::math::quantile(boost::math::complement(standard_normal(), q));
            return std::exp(a + b * z);
        }
        case sojourn_kind::fixed: return a;
        case sojourn_kind::empirical: return empirical_quantile(table, -std::expm1(-h));
    }
    return inf;
}

double sojourn::mean() const {
    switch (kind) {
        case sojourn_kind::exponential: return 1.0 / a;
        case sojourn_kind::weibull: return b * std::tgamma(1.0 + 1.0 / a);
        case sojourn_kind::lognormal: return std::exp(a + 0.5 * b * b);
        case sojourn_kind::fixed: return a;
        case sojourn_kind::empirical: {
            double m = 0.0;  // mean of the piecewise-linear CDF: average of segment midpoints
            for (std::size_t i = 1; i < table.size(); ++i) m += 0.5 * (table[i - 1] + table[i]);
            return m / static_cast<double>(table.size() - 1);
        }
    }
    return inf;
}

sojourn detail::read_sojourn(reader r) {
    sojourn out;
    if (!r.present("distribution")) {
        r.fail(r.key("distribution"), "is required (one of exponential, weibull, lognormal, fixed, empirical)");
    }
    const std::string kind = r.string("distribution");
    if (kind == "exponential") {
        if (r.present("mean")) {
            const double mean = r.number("mean");
            if (!(mean > 0.0)) r.fail(r.key("mean"), fmt::format("must be > 0, got {}", mean));
            out = sojourn::exponential(1.0 / mean);
        } else {
            out = sojourn::exponential(r.number("rate"));
        }
    } else if (kind == "weibull") {
        const double shape = r.number("shape");
        out = sojourn::weibull(shape, r.number("scale"));
    } else if (kind == "lognormal") {
        double mu = 0.0;
        if (r.present("median")) {
            const double median = r.number("median");
            if (!(median > 0.0)) r.fail(r.key("median"), fmt::format("must be > 0, got {}", median));
            mu = std::log(median);
        } else {
            mu = r.number("mu");
        }
        out = sojourn::lognormal(mu, r.number("sigma"));
    } else if (kind == "fixed") {
        out = sojourn::fixed(r.number("months"));
    } else if (kind == "empirical") {
        out = sojourn::empirical(r.required_numbers("durations"));
    } else {
        r.fail(r.key("distribution"),
               fmt::format("must be one of exponential, weibull, lognormal, fixed, empirical; got '{}'", kind));
    }
    r.done();
    return out;
}

void sojourn::validate(const std::string& where) const {
    auto positive = [&](double v, const char* name) {
        if (!(v > 0.0) || !std::isfinite(v)) {
            throw scenario_error(where + "." + name, fmt::format("must be a positive finite number, got {}", v));
        }
    };
    switch (kind) {
        case sojourn_kind::exponential: positive(a, "rate"); break;
        case sojourn_kind::weibull: positive(a, "shape"); positive(b, "scale"); break;
        case sojourn_kind::lognormal:
            if (!std::isfinite(a)) throw scenario_error(where + ".mu", fmt::format("must be finite, got {}", a));
            positive(b, "sigma");
            break;
        case sojourn_kind::fixed:
            if (!(a >= 0.0) || !std::isfinite(a)) {
                throw scenario_error(where + ".months", fmt::format("must be >= 0 and finite, got {}", a));
            }
            break;
        case sojourn_kind::empirical:
            if (table.size() < 2) {
                throw scenario_error(where + ".durations", fmt::format("needs at least 2 durations, got {}", table.size()));
            }
            for (std::size_t i = 0; i < table.size(); ++i) {
                if (!(table[i] >= 0.0) || !std::isfinite(table[i])) {
                    throw scenario_error(fmt::format("{}.durations[{}]", where, i),
                                         fmt::format("must be >= 0 and finite, got {}", table[i]));
                }
            }
            if (table.front() == table.back()) {
                throw scenario_error(where + ".durations", "must not all be equal (use a fixed duration)");
            }
            break;
    }
}

double rescale_fire_age(const sojourn& d, double age, double fire_age, double m_old, double m_new) {
    if (!d.has_hazard() || m_old == m_new) return fire_age;
    if (!std::isfinite(fire_age)) return fire_age;
    if (m_new <= 0.0) return inf;
    if (d.kind == sojourn_kind::exponential) return age + (fire_age - age) * m_old / m_new;
    const double h_age = d.cum_hazard(age);
    const double remaining = m_old * (d.cum_hazard(fire_age) - h_age);
    return std::max(age, d.inverse_cum_hazard(h_age + remaining / m_new));
}

}  // namespace tvaer
