#include "tvaer/governance.hpp"

#include <cmath>

#include "tvaer/intervention.hpp"
#include "tvaer/model.hpp"

namespace tvaer {

double next_meeting(double t, double every, double phase) noexcept {
    if (!(every > 0.0)) return t;
    const double k = std::ceil((t - phase) / every);
    const double next = phase + k * every;
    return next < t ? next + every : next;  // guard against rounding just below t
}

namespace {
const char* name(authority a) {
    switch (a) {
        case authority::solution: return "solution";
        case authority::shared: return "shared";
        case authority::sector: break;
    }
    return "sector";
}
}  // namespace

std::vector<governance_row> governance_rows(const model& m) {
    std::vector<governance_row> out;
    for (std::size_t i = 0; i < m.spec.interventions.size(); ++i) {
        const intervention& iv = m.spec.interventions[i];
        out.push_back({iv.name, name(iv.grants), name(detail::payer_inside(iv, m.spec.org)), iv.delivered_by, iv.inside_unit_budget,
                       detail::expected_cost(iv), m.interventions[i].above_ceiling});
    }
    return out;
}

}  // namespace tvaer
