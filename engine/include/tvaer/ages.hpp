#pragma once
/// Ages of family members and the selection rules that use them (docs/scenario-format.md,
/// "Ages"): Høje-Taastrup reserves about a third of its families for households with a young
/// person aged 15-23 (report L6395-6397).
///
/// An age band is written "a-b" in whole years and covers the ages in [a, b + 1) years: "15-23"
/// holds a 23-year-old until the day before the 24th birthday. A track's `ages` give the shares
/// of its members by band when they enter the population; within a band the age is uniform.
/// Members then age with the simulation clock (one year every 12 months), so a member crosses a
/// band edge as time passes. Ages change no rate or cost: only selection reads them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tvaer/rng.hpp"

namespace tvaer {

struct scenario;

/// Ages [lo, hi) in years.
struct age_band {
    double lo = 0.0;
    double hi = 0.0;
    [[nodiscard]] bool contains(double years) const noexcept { return years >= lo && years < hi; }
    [[nodiscard]] bool overlaps(const age_band& o) const noexcept { return lo < o.hi && o.lo < hi; }
};

/// The band of a label "a-b" (whole years, 0 <= a <= b <= 150). Throws scenario_error at `where`
/// for anything else.
[[nodiscard]] age_band parse_age_band(const std::string& label, const std::string& where);

namespace detail {

/// Checks the age fields of a scenario (tracks' `ages`, selection.age_bands, selection.quota):
/// labels, shares, overlaps, and that selection has ages to read. Throws scenario_error.
void validate_ages(const scenario& sc);

/// A track's age distribution at entry, compiled (empty: the track's members have no age).
struct compiled_ages {
    std::vector<age_band> bands;
    std::vector<double> cdf;
    [[nodiscard]] bool empty() const noexcept { return bands.empty(); }
    /// An age in years: a band by its share, then uniform within it (two numbers of `s`).
    [[nodiscard]] double sample(stream& s) const;
};

[[nodiscard]] compiled_ages compile_ages(const std::vector<std::string>& labels, const std::vector<double>& shares);

/// A selection.quota entry: `share` of the places reserved for families with a member in `band`.
struct quota_group {
    age_band band;
    double share = 0.0;
};

/// Places reserved out of `places` for a group holding `share`: share x places rounded to the
/// nearest whole place, halves up (a third of 12 places is 4; 0.334 of 12 is 4 too).
[[nodiscard]] std::uint32_t reserved_places(double share, std::uint32_t places) noexcept;

}  // namespace detail
}  // namespace tvaer
