#pragma once
/// Costs by ledger line summed to the budget that pays each line and its cost kind: DKK by
/// (replication, month, budget, arm, kind) from the engine's costs by (replication, arm, line,
/// month). Both of Python's result modes (every replication kept, or folded as replications
/// finish) sum this way, so they agree bit for bit (tvaer/results.py, `budget_costs`).
#include <cstddef>
#include <cstdint>
#include <span>

namespace tvaer {

/// Where a ledger line's costs go: the index of its paying budget and of its cost kind.
struct line_destination {
    std::uint32_t budget = 0;
    std::uint32_t kind = 0;
};

/// The shape of both arrays: `replications` x `arms` x lines x `months` in, `replications` x
/// `months` x `budgets` x `arms` x `kinds` out (row-major; lines = destinations' size).
struct budget_cost_shape {
    std::size_t replications = 0, arms = 0, months = 0, budgets = 0, kinds = 0;
};

/// Writes into `out` every (replication, month, budget, arm, kind) sum of the lines going there:
/// starting from zero, the lines added one after another in line order, whatever else is
/// summed beside them. Throws std::invalid_argument naming the sizes when the spans do not match
/// `shape`, or a destination outside it.
void sum_to_budgets(std::span<const double> costs, std::span<const line_destination> lines,
                    const budget_cost_shape& shape, std::span<double> out);

}  // namespace tvaer
