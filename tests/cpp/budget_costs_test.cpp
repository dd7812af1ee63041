// Costs by line summed to budgets and kinds (budget_costs.hpp): a hand-computed case, the order
// of adds, and its errors.
#include "tvaer/budget_costs.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace tvaer;

TEST_CASE("sum_to_budgets adds each line to its budget and kind, by replication, month and arm") {
    // One replication, two arms, three lines, two months. Lines 0 and 2 go to budget 0, kind 0;
    // line 1 to budget 1, kind 1.
    const std::vector<double> costs{
        1.0, 2.0,    10.0, 20.0,   100.0, 200.0,  // arm 0: lines 0, 1, 2 (months 0, 1)
        3.0, 4.0,    30.0, 40.0,   300.0, 400.0,  // arm 1
    };
    const std::vector<line_destination> lines{{0, 0}, {1, 1}, {0, 0}};
    const budget_cost_shape shape{.replications = 1, .arms = 2, .months = 2, .budgets = 2, .kinds = 2};
    std::vector<double> out(1 * 2 * 2 * 2 * 2, -1.0);
    sum_to_budgets(costs, lines, shape, out);
    // out[month][budget][arm][kind]
    const std::vector<double> expected{
        101.0, 0.0, 303.0, 0.0,   0.0, 10.0, 0.0, 30.0,  // month 0: budget 0 (arm 0, arm 1), budget 1
        202.0, 0.0, 404.0, 0.0,   0.0, 20.0, 0.0, 40.0,  // month 1
    };
    CHECK(out == expected);
}

TEST_CASE("sum_to_budgets adds a budget's lines in line order from zero") {
    // 1e16 + 1 - 1e16: in line order 0, not 1 (1 is lost when added to 1e16 first); and a -0.0
    // line alone sums to +0.0 (0.0 + -0.0), as adding from zero does.
    const std::vector<double> costs{1e16, 1.0, -1e16, -0.0};
    const std::vector<line_destination> lines{{0, 0}, {0, 0}, {0, 0}, {1, 0}};
    const budget_cost_shape shape{.replications = 1, .arms = 1, .months = 1, .budgets = 2, .kinds = 1};
    std::vector<double> out(2);
    sum_to_budgets(costs, lines, shape, out);
    CHECK(out[0] == 0.0);
    CHECK_FALSE(std::signbit(out[1]));
}

TEST_CASE("sum_to_budgets names the sizes that do not match") {
    const std::vector<double> costs(6, 1.0);
    const budget_cost_shape shape{.replications = 1, .arms = 2, .months = 1, .budgets = 2, .kinds = 2};
    std::vector<double> out(8);
    CHECK_THROWS_WITH(sum_to_budgets(costs, std::vector<line_destination>{{0, 0}, {2, 0}, {0, 1}}, shape, out),
                      "sum_to_budgets: line 1 goes to budget 2 and kind 0, of 2 and 2");
    CHECK_THROWS_WITH(sum_to_budgets(costs, std::vector<line_destination>{{0, 0}, {1, 0}}, shape, out),
                      "sum_to_budgets: 6 costs for 1 replications x 2 arms x 2 lines x 1 months");
    std::vector<double> small(7);
    CHECK_THROWS_WITH(sum_to_budgets(costs, std::vector<line_destination>{{0, 0}, {1, 0}, {0, 1}}, shape, small),
                      "sum_to_budgets: room for 7 sums, 8 needed");
}
