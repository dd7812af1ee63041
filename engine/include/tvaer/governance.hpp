#pragma once
/// Governance as delay: meeting cadences and the amount ceiling on the solution's authority.
///
/// A decision taken in a body that meets every `every` months waits for its next meeting
/// (report sec. 4.14 lists the cadences: network meetings about every 3 months in Høje-Taastrup
/// L6315-6318, a monthly chief group in Furesø L4214). An intervention whose expected cost is
/// above the solution's amount ceiling (Assens: 25,000 kr., L3036-3055) goes to the sector heads'
/// forum, which adds the wait for its next meeting.
#include <string>
#include <vector>

namespace tvaer {

struct model;

/// The first meeting at or after `t` of a body meeting at phase + k * every (k integer).
/// `every` <= 0 means "no meetings to wait for" and returns t.
[[nodiscard]] double next_meeting(double t, double every, double phase) noexcept;

/// The expected cost of one grant: one-off plus monthly rate times mean duration.
[[nodiscard]] constexpr double expected_grant_cost(double one_off, double monthly, double mean_months) noexcept {
    return one_off + monthly * mean_months;
}

/// One intervention's governance inside the solution (Tabel 4.1 of the report): who grants, who
/// pays, who delivers, whether it is inside the unit's budget, its expected cost per grant and
/// whether that is above the amount ceiling (the compiled model's flag, the one the simulation uses).
struct governance_row {
    std::string intervention, grants, pays, delivered_by;
    bool inside_unit_budget = false;
    double expected_cost = 0.0;  ///< DKK per grant: one-off plus monthly rate times mean duration
    bool above_ceiling = false;
};

/// One row per intervention of `m`, in the scenario's order.
std::vector<governance_row> governance_rows(const model& m);

}  // namespace tvaer
