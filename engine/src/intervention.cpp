#include "tvaer/intervention.hpp"

#include "resolve.hpp"

namespace tvaer::detail {

compiled_effect compile_effect(const scenario& sc, const effect& e) {
    const auto t = track_index(sc, e.track);
    const auto& tr = sc.tracks[t];
    return {static_cast<std::uint8_t>(t), state_index(tr, e.from), state_index(tr, e.to), e.multiplier};
}

double expected_cost(const intervention& iv) {
    double one_off = 0.0, monthly = 0.0;
    for (const auto& c : iv.costs) {
        one_off += c.one_off;
        monthly += c.monthly;
    }
    return expected_grant_cost(one_off, monthly, iv.duration.mean());
}

bool above_ceiling(const intervention& iv, const organisation& org) {
    return org.ceiling > 0.0 && iv.grants != authority::sector && expected_cost(iv) > org.ceiling;
}

authority payer_inside(const intervention& iv, const organisation& org) {
    return iv.pays_above_ceiling && above_ceiling(iv, org) ? *iv.pays_above_ceiling : iv.pays;
}

bool grantor_does_not_pay(const intervention& iv, const organisation& org) {
    return iv.grants == authority::solution && payer_inside(iv, org) != authority::solution;
}

compiled_intervention compile_intervention(const scenario& sc, std::size_t i) {
    const intervention& iv = sc.interventions[i];
    compiled_intervention ci;
    ci.track = static_cast<std::uint8_t>(track_index(sc, iv.track));
    const track& t = sc.tracks[ci.track];
    for (const auto& s : iv.request_on_entry) ci.requested_in |= 1ull << state_index(t, s);
    for (const auto& s : iv.ends_on_entry) ci.ends_mask |= 1ull << state_index(t, s);
    ci.duration = iv.duration;
    ci.capacity = iv.capacity;
    for (const auto& e : iv.effects) ci.effects.push_back(compile_effect(sc, e));
    ci.available[0] = iv.available != availability::solution;
    ci.available[1] = iv.available != availability::bau;
    ci.delay[0] = iv.decision_delay_bau;
    ci.delay[1] = iv.decision_delay_solution;
    ci.solution_first = iv.queue == queue_discipline::solution_first;
    ci.above_ceiling = above_ceiling(iv, sc.org);
    const grant_behaviour& gb = sc.org.granting;
    ci.ceiling_per_grant = gb.ceiling_on == ceiling_basis::grant && sc.org.ceiling > 0.0 && iv.grants != authority::sector;
    for (const auto& c : iv.costs) {
        ci.one_off += c.one_off;
        ci.monthly += c.monthly;
    }
    ci.grant_share = ci.grant_below = ci.grant_above = iv.grant_share;
    if (grantor_does_not_pay(iv, sc.org)) {
        ci.grant_below = iv.grant_share * gb.multiplier(false);
        ci.grant_above = iv.grant_share * gb.multiplier(true);
    }
    ci.purpose_grant = purpose_id("intervention/grant/" + iv.name);
    ci.purpose_duration = purpose_id("intervention/duration/" + iv.name);
    ci.purpose_delay = purpose_id("intervention/delay/" + iv.name);
    return ci;
}

}  // namespace tvaer::detail
