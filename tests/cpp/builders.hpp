#pragma once
// Small builders and statistics shared by the C++ tests (test code only).
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "tvaer/scenario.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer::test {

/// An exponential destination at `rate` per month.
inline transition to(const char* name, double rate) { return transition{name, rate, 0.0}; }

/// A cost of `monthly` DKK a month (and `one_off` at entry or start) granted by `sector`.
inline cost_rate cost(const char* sector, double monthly, double one_off = 0.0) {
    cost_rate c;
    c.sector = sector;
    c.monthly = monthly;
    c.one_off = one_off;
    return c;
}

/// `families` families of one member each on track "person", in one absorbing state "here" with
/// `costs`, over `horizon` months; nobody is selected into the solution (min_sectors 99).
inline scenario single_state(std::vector<std::string> sectors, std::vector<cost_rate> costs,
                             std::uint32_t families = 10, double horizon = 12.0) {
    scenario sc;
    sc.horizon_months = horizon;
    sc.families = families;
    sc.sectors = std::move(sectors);
    track t;
    t.name = "person";
    t.members = {0.0, 1.0};
    t.initial = {1.0};
    t.states = {state{"here", {}, std::nullopt, std::move(costs)}};
    sc.tracks = {t};
    sc.select.min_sectors = 99;
    return sc;
}

/// An intervention on `track`, requested on entering (or starting in) `state`.
inline intervention requested_on(const char* name, const char* track, const char* state, sojourn duration,
                                 std::vector<cost_rate> costs, std::vector<effect> effects = {}) {
    intervention iv;
    iv.name = name;
    iv.track = track;
    iv.request_on_entry = {state};
    iv.duration = duration;
    iv.costs = std::move(costs);
    iv.effects = std::move(effects);
    return iv;
}

/// Ledger line `line`'s total over the horizon in arm result `a`.
inline double line_total(const arm_result& a, std::size_t line) {
    double sum = 0.0;
    for (std::size_t month = 0; month < a.costs.months(); ++month) sum += a.costs.at(line, month);
    return sum;
}

inline double mean(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

/// Standard error of the mean of `v`.
inline double standard_error(const std::vector<double>& v) {
    const double m = mean(v);
    double ss = 0.0;
    for (double x : v) ss += (x - m) * (x - m);
    return std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

}  // namespace tvaer::test
