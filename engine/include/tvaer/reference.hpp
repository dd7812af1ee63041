#pragma once
/// Reference scenarios built in code: the benchmark model of shared/bench/ladder.md, used by the
/// benchmark, the tests and `tvaer.reference_ladder()` in Python.
#include <cstdint>
#include <vector>

#include "tvaer/model.hpp"
#include "tvaer/scenario.hpp"
#include "tvaer/simulation.hpp"

namespace tvaer {

/// The "ladder" benchmark model for `families` families over 120 months: adult stages S1-S3 and
/// JOB, child measures NONE/PREVENTIVE/PLACEMENT, and a mentor with max(1, N/20) slots.
scenario ladder_scenario(std::uint32_t families);

/// One arm's mean cost per family of the ladder by year and sector, as ladder.md reports it: a
/// row-major years x 3 table (employment, adults, children) from the business-as-usual lines (the
/// ladder selects nobody, so the solution's lines stay empty).
std::vector<double> ladder_costs_per_family(const model& m, const arm_result& r);

}  // namespace tvaer
