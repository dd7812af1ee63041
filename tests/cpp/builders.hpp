#pragma once
// Small builders and statistics shared by the C++ tests (test code only).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tvaer/scenario.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer::test {

/// A fresh directory under the system's temporary directory, removed with its contents.
struct scratch_dir {
    std::filesystem::path dir;
    scratch_dir()
        : dir(std::filesystem::temp_directory_path() / ("tvaer-test-" + std::to_string(std::random_device{}()))) {
        std::filesystem::create_directories(dir);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    [[nodiscard]] std::string file(const char* name) const { return (dir / name).string(); }
};

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

/// `families` families over `horizon` months in `sectors`, with no tracks yet.
inline scenario empty_scenario(double horizon, std::uint32_t families, std::vector<std::string> sectors) {
    scenario sc;
    sc.horizon_months = horizon;
    sc.families = families;
    sc.sectors = std::move(sectors);
    return sc;
}

/// `families` families of one member each on track "person", in one absorbing state "here" with
/// `costs`, over `horizon` months; nobody is selected into the solution (min_sectors 99).
inline scenario single_state(std::vector<std::string> sectors, std::vector<cost_rate> costs,
                             std::uint32_t families = 10, double horizon = 12.0) {
    scenario sc = empty_scenario(horizon, families, std::move(sectors));
    track t;
    t.name = "person";
    t.members = {0.0, 1.0};
    t.initial = {1.0};
    t.states = {state{"here", {}, std::nullopt, std::move(costs)}};
    sc.tracks = {t};
    sc.select.min_sectors = 99;
    return sc;
}

/// A track named `name` whose members come from a people table (0 or 1 a family when drawn),
/// in `states`, starting in the first.
inline track tabled_track(const char* name, std::vector<state> states) {
    track t;
    t.name = name;
    t.members = {0.0, 1.0};
    t.initial.assign(states.size(), 0.0);
    t.initial[0] = 1.0;
    t.states = std::move(states);
    return t;
}

/// Track "adult" for a table of families: family f's adult in a state "s<f>" of its own with
/// `employment[f]` DKK a month in the employment sector (0: no cost, no sector), the track
/// starting in "s0"; the adult's row goes into `sc.people.table`, then `others(f)` adds the
/// family's other rows (so each family's members stay together, in that order).
template <class Others>
track adults_of(scenario& sc, const std::vector<double>& employment, Others others) {
    track adult;
    adult.name = "adult";
    adult.members = {0.0, 1.0};
    for (std::uint32_t f = 0; f < employment.size(); ++f) {
        const std::string name = "s" + std::to_string(f);
        std::vector<cost_rate> costs;
        if (employment[f] > 0.0) costs.push_back(cost("employment", employment[f]));
        adult.states.push_back(state{name, {}, std::nullopt, std::move(costs)});
        sc.people.table.push_back(member_row{f, "adult", name, ""});
        others(f);
    }
    adult.initial.assign(employment.size(), 0.0);
    adult.initial[0] = 1.0;
    sc.families = static_cast<std::uint32_t>(employment.size());
    return adult;
}

/// One family per entry, from a table: an adult (adults_of) and `children` members of track
/// "child" in the state "measure" at 100 DKK a month in the children sector.
/// 12 months; selection by cost with min_sectors 1 (callers set the rest).
struct adult_and_children {
    double employment;
    int children;
};
inline scenario families_of(const std::vector<adult_and_children>& fs) {
    scenario sc;
    sc.horizon_months = 12.0;
    sc.sectors = {"employment", "children"};
    track child;
    child.name = "child";
    child.members = {1.0};
    child.initial = {1.0};
    child.states = {state{"measure", {}, std::nullopt, {cost("children", 100.0)}}};
    std::vector<double> employment;
    for (const auto& f : fs) employment.push_back(f.employment);
    const track adult = adults_of(sc, employment, [&](std::uint32_t f) {
        for (int c = 0; c < fs[f].children; ++c) sc.people.table.push_back(member_row{f, "child", "measure", ""});
    });
    sc.tracks = {adult, child};
    sc.select.min_sectors = 1;
    sc.select.rank = {selection_rank::cost};
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
