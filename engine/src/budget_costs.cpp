#include "tvaer/budget_costs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace tvaer {

void sum_to_budgets(std::span<const double> costs, std::span<const line_destination> lines,
                    const budget_cost_shape& shape, std::span<double> out) {
    const std::size_t reps = shape.replications, arms = shape.arms, months = shape.months;
    const std::size_t n_lines = lines.size();
    if (costs.size() != reps * arms * n_lines * months)
        throw std::invalid_argument(fmt::format("sum_to_budgets: {} costs for {} replications x {} arms x {} lines x "
                                                "{} months", costs.size(), reps, arms, n_lines, months));
    if (out.size() != reps * months * shape.budgets * arms * shape.kinds)
        throw std::invalid_argument(fmt::format("sum_to_budgets: room for {} sums, {} needed", out.size(),
                                                reps * months * shape.budgets * arms * shape.kinds));
    for (std::size_t l = 0; l < n_lines; ++l) {
        if (lines[l].budget >= shape.budgets || lines[l].kind >= shape.kinds)
            throw std::invalid_argument(fmt::format("sum_to_budgets: line {} goes to budget {} and kind {}, of {} and {}",
                                                    l, lines[l].budget, lines[l].kind, shape.budgets, shape.kinds));
    }
    std::fill(out.begin(), out.end(), 0.0);
    // out[r][m][b][a][k]: a month's row of sums, then a budget's, an arm's and a kind's.
    const std::size_t kind_stride = 1, arm_stride = shape.kinds, budget_stride = arms * shape.kinds;
    const std::size_t month_stride = shape.budgets * budget_stride, rep_stride = months * month_stride;
    for (std::size_t r = 0; r < reps; ++r) {
        for (std::size_t l = 0; l < n_lines; ++l) {  // line order: each sum's order of adds
            for (std::size_t a = 0; a < arms; ++a) {
                const double* from = costs.data() + ((r * arms + a) * n_lines + l) * months;
                double* to = out.data() + r * rep_stride + lines[l].budget * budget_stride + a * arm_stride +
                             lines[l].kind * kind_stride;
                for (std::size_t m = 0; m < months; ++m) to[m * month_stride] += from[m];
            }
        }
    }
}

}  // namespace tvaer
