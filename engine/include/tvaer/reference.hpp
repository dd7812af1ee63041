#pragma once
/// Reference scenarios built in code: the benchmark model of shared/bench/ladder.md, used by the
/// benchmark, the tests and `tvaer.reference_ladder()` in Python.
#include <cstdint>

#include "tvaer/scenario.hpp"

namespace tvaer {

/// The "ladder" benchmark model for `families` families over 120 months: adult stages S1-S3 and
/// JOB, child measures NONE/PREVENTIVE/PLACEMENT, and a mentor with max(1, N/20) slots.
scenario ladder_scenario(std::uint32_t families);

}  // namespace tvaer
