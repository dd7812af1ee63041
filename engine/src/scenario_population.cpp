// Who is simulated: the population table (rows supplied by the caller) and open-population flows.
#include <set>

#include "scenario_checks.hpp"
#include "scenario_read.hpp"

namespace tvaer::detail {

population read_population(reader r) {
    population p;
    p.arrivals_per_month = r.number("arrivals_per_month", 0.0);
    p.arrival_months = r.numbers("arrival_months");
    p.leave_rate = r.number("leave_rate", 0.0);
    p.table_file = r.string("table", "");
    p.initial = r.choice("initial", {{"tracks", initial_mix::tracks}, {"steady_state", initial_mix::steady_state}},
                         initial_mix::tracks);
    p.warmup_months = r.number("warmup_months", 0.0);
    r.done();
    return p;
}

void validate_population(const scenario& sc, const population& p) {
    require(p.arrivals_per_month >= 0.0 && std::isfinite(p.arrivals_per_month), "population.arrivals_per_month",
            fmt::format("must be >= 0 and finite, got {}", p.arrivals_per_month));
    require(p.leave_rate >= 0.0 && std::isfinite(p.leave_rate), "population.leave_rate",
            fmt::format("must be >= 0 and finite, got {}", p.leave_rate));
    for (std::size_t i = 0; i < p.arrival_months.size(); ++i) {
        const double t = p.arrival_months[i];
        require(t >= 0.0 && t <= sc.horizon_months, at("population.arrival_months", i),
                fmt::format("must be a time in [0, horizon_months = {}], got {}", sc.horizon_months, t));
    }
    // Every family, initial or arriving, is numbered in 24 bits (simulator.hpp); an open population
    // whose expected families exceed that would run long and then fail.
    const double initial = p.table.empty() ? static_cast<double>(sc.families) : static_cast<double>(p.table.size());
    // A whole number of years, so that the warm-up's years and the horizon's line up (yearly
    // capacities, staff, § 176 and the per-family output count years from month 0).
    require(p.warmup_months >= 0.0 && p.warmup_months <= 1200.0 && std::fmod(p.warmup_months, 12.0) == 0.0,
            "population.warmup_months",
            fmt::format("must be a whole number of years in months (0, 12, 24, ... up to 1200), got {}", p.warmup_months));
    const double simulated = sc.horizon_months + p.warmup_months;
    const double expected = initial + p.arrivals_per_month * simulated + static_cast<double>(p.arrival_months.size());
    require(expected <= 16'777'216.0, "population.arrivals_per_month",
            fmt::format("{} families expected over the horizon{} (initial plus arrivals), at most 16777216", expected,
                        p.warmup_months > 0.0 ? " and the warm-up" : ""));
    if (p.initial == initial_mix::steady_state) {
        // The steady state of an open population: families must arrive (their mix is the tracks'
        // `initial`) and leave, and the first families must be generated.
        require(p.arrivals_per_month > 0.0, "population.initial",
                fmt::format("\"steady_state\" needs families arriving: population.arrivals_per_month must be > 0, got {}",
                            p.arrivals_per_month));
        require(p.leave_rate > 0.0, "population.initial",
                fmt::format("\"steady_state\" needs families leaving: population.leave_rate must be > 0, got {}", p.leave_rate));
        require(p.table_file.empty() && p.table.empty(), "population.initial",
                "\"steady_state\" generates the first families; it cannot go with population.table (remove one of them)");
    }
    require(p.table_file.empty() || !p.table.empty(), "population.table",
            fmt::format("the rows of '{}' were not read (the tvaer Python package reads population tables)", p.table_file));
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < p.table.size(); ++i) {
        const auto& row = p.table[i];
        const auto w = at("population.table", i);
        if (i > 0 && row.family != p.table[i - 1].family) {
            require(seen.count(row.family) == 0, w + ".family", fmt::format("rows of family {} must be consecutive", row.family));
        }
        seen.insert(row.family);
        const track& t = known_track(sc, row.track, w + ".track");
        require_known(state_names(t), row.state, w + ".state", "state");
        if (!t.benefits.empty()) require_known(t.benefits, row.benefit, w + ".benefit", "benefit type");
        else require(row.benefit.empty(), w + ".benefit", fmt::format("track '{}' has no benefit types", row.track));
    }
}

}  // namespace tvaer::detail
