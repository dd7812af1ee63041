#pragma once
/// Interventions and effects, compiled, and the rules by which they act at run time.
///
/// An intervention is requested when a member enters one of its states; it waits for its
/// decision (decision_time: the arm's decision delay and, inside the solution, the family's next
/// network meeting and, above the amount ceiling, the sector heads' forum), is granted with its
/// grant probability (grant_probability: its grant_share, raised inside the solution where the
/// solution grants and another budget pays), then waits for a free slot
/// (has_room, queue_of); it runs for its duration and ends then or on entering one of its end
/// states (ends_on). While it is active its effects multiply transition hazards (multiply,
/// combine, acts_on, counts_for); the solution's own effects (organisation.effects) act the same
/// way on the members of a family inside it. The simulation (simulator.hpp) and the analytic
/// mode (analytic.cpp) both go through these rules; a new effect kind or intervention behaviour
/// is a change here (compilation in intervention.cpp, the run-time rules inline below, hot).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tvaer/costs.hpp"
#include "tvaer/distributions.hpp"
#include "tvaer/governance.hpp"
#include "tvaer/rng.hpp"
#include "tvaer/scenario.hpp"

namespace tvaer::detail {

/// While active, multiplies the hazard of `from -> to` on `track` (indices) by `multiplier`.
struct compiled_effect {
    std::uint8_t track;
    std::uint8_t from;
    std::uint8_t to;
    double multiplier;
};

struct compiled_intervention {
    std::uint8_t track = 0;
    std::uint64_t requested_in = 0;    ///< bit per state of its track: entering it requests this
    std::uint64_t ends_mask = 0;       ///< bit per state of its track: entering it ends this
    sojourn duration = sojourn::fixed(1.0);
    std::uint32_t capacity = 0;        ///< 0: unlimited
    std::vector<booked_cost> costs[2];  ///< by treatment; booked on ledger lines by compile() (model.hpp)
    std::vector<compiled_effect> effects;
    bool available[2] = {true, true};  ///< by treatment
    std::optional<sojourn> delay[2];   ///< by treatment
    std::uint64_t purpose_duration = 0;
    std::uint64_t purpose_delay = 0;
    bool above_ceiling = false;        ///< granted by the solution above organisation.ceiling (expected cost)
    /// The ceiling is checked against each grant's own amount (organisation.ceiling_on = "grant"):
    /// one-off + monthly x its drawn duration; above_ceiling is then unused.
    bool ceiling_per_grant = false;
    double one_off = 0.0;              ///< DKK per grant, all its costs (for ceiling_per_grant)
    double monthly = 0.0;              ///< DKK per month, all its costs (for ceiling_per_grant)
    double grant_share = 1.0;          ///< P(a request is granted): business as usual
    double grant_below = 1.0;          ///< ... inside the solution, a grant below the ceiling
    double grant_above = 1.0;          ///< ... inside the solution, a grant above the ceiling
    std::uint64_t purpose_grant = 0;
    bool solution_first = false;       ///< queue discipline
};

// ---- compilation (intervention.cpp); the scenario has been validated ----------------------

/// `e` with its track and states resolved to indices.
[[nodiscard]] compiled_effect compile_effect(const scenario& sc, const effect& e);

/// `sc.interventions[i]` resolved to indices, all but its costs: those go on ledger lines, which
/// compile() (model.hpp) owns.
[[nodiscard]] compiled_intervention compile_intervention(const scenario& sc, std::size_t i);

/// The expected cost of one grant of `iv` in DKK: its one-off amounts plus its monthly amounts
/// times its mean duration (expected_grant_cost, governance.hpp).
[[nodiscard]] double expected_cost(const intervention& iv);

/// Whether a grant of `iv` inside the solution waits for the sector heads' forum: the solution
/// grants it (alone or shared) and its expected cost (governance.hpp) is above `org.ceiling`
/// (0: no ceiling).
[[nodiscard]] bool above_ceiling(const intervention& iv, const organisation& org);

/// Who pays `iv` inside the solution: its pays_above_ceiling when set and the grant is above
/// the ceiling (above_ceiling), else its pays.
[[nodiscard]] authority payer_inside(const intervention& iv, const organisation& org);

/// Whether the solution grants `iv` alone (grants = "solution") while another budget pays it
/// inside the solution (payer_inside is not "solution"): where org.granting's propensity acts.
[[nodiscard]] bool grantor_does_not_pay(const intervention& iv, const organisation& org);

// ---- effects -------------------------------------------------------------------------------

/// Whether `e` acts on a member in `state` of `track`.
[[nodiscard]] constexpr bool acts_on(const compiled_effect& e, unsigned track, unsigned state) noexcept {
    return e.track == track && e.from == state;
}

[[nodiscard]] inline bool acts_on_any(const std::vector<compiled_effect>& effects, unsigned track,
                                      unsigned state) noexcept {
    for (const auto& e : effects)
        if (acts_on(e, track, state)) return true;
    return false;
}

/// Whether an intervention held by one family member counts in the hazards of another (or of
/// the holder itself): it acts on its holder and on the family's members on other tracks
/// (scenario.hpp, effect).
[[nodiscard]] constexpr bool counts_for(bool is_holder, bool same_track) noexcept { return is_holder || !same_track; }

/// Multiplies the weight w[k] of each destination dest[k] of `state` on `track` by the effects
/// that act on it; several effects on one transition combine by product, in their order.
inline void multiply(const std::vector<compiled_effect>& effects, unsigned track, unsigned state,
                     const std::vector<std::uint8_t>& dest, double* w) noexcept {
    for (const auto& e : effects) {
        if (!acts_on(e, track, state)) continue;
        for (std::size_t k = 0; k < dest.size(); ++k)
            if (dest[k] == e.to) w[k] *= e.multiplier;
    }
}

/// `mult` times the multipliers of the effects on `from -> to` on `track`, in their order.
[[nodiscard]] inline double combine(const std::vector<compiled_effect>& effects, unsigned track, unsigned from,
                                    unsigned to, double mult) noexcept {
    for (const auto& e : effects)
        if (acts_on(e, track, from) && e.to == to) mult *= e.multiplier;
    return mult;
}

// ---- requests, decisions, capacity ---------------------------------------------------------

/// Whether entering `state` ends an active `ci`.
[[nodiscard]] inline bool ends_on(const compiled_intervention& ci, unsigned state) noexcept {
    return (ci.ends_mask >> state & 1u) != 0;
}

/// Whether a request may have to wait for its decision (decision_time): when the arm has a
/// decision delay, and always inside the solution (network meetings, the forum). Otherwise it
/// is decided when made.
[[nodiscard]] inline bool may_wait_for_decision(const compiled_intervention& ci, treatment g) noexcept {
    return ci.delay[static_cast<int>(g)] || g == treatment::solution;
}

/// Whether a grant of `ci` inside the solution is above the amount ceiling: its expected cost's
/// flag (above_ceiling), or with ceiling_per_grant the grant's own amount, one-off + monthly x
/// its duration, drawn from duration_stream(): the stream the start draws it from, so the same
/// duration. The stream is asked for only when drawn from.
template <class DurationStream>
[[nodiscard]] bool grant_above_ceiling(const compiled_intervention& ci, const organisation& org,
                                       DurationStream&& duration_stream) {
    if (!ci.ceiling_per_grant) return ci.above_ceiling;
    stream s = duration_stream();
    return expected_grant_cost(ci.one_off, ci.monthly, ci.duration.sample(s)) > org.ceiling;
}

/// The probability that a request of `ci` decided under treatment `g` is granted: its
/// grant_share as usual; inside the solution raised by the granting propensity where the
/// solution grants and does not pay, less above the ceiling (above() says whether the grant is;
/// asked only when the two differ).
template <class Above>
[[nodiscard]] double grant_probability(const compiled_intervention& ci, treatment g, Above&& above) {
    if (g == treatment::usual) return ci.grant_share;
    if (ci.grant_below == ci.grant_above) return ci.grant_below;
    return above() ? ci.grant_above : ci.grant_below;
}

/// When a request made at `t` under treatment `g` is decided: after the arm's decision delay
/// (drawn from delay_stream()) and, inside the solution, at the family's next network meeting
/// (every org.meeting_every months, at a phase drawn from meeting_stream()) and then, when the
/// grant is `above` the amount ceiling (grant_above_ceiling), at the forum's next meeting
/// (governance.hpp). The streams are asked for only when drawn from.
template <class DelayStream, class MeetingStream>
[[nodiscard]] double decision_time(const compiled_intervention& ci, treatment g, const organisation& org, double t,
                                   bool above, DelayStream&& delay_stream, MeetingStream&& meeting_stream) {
    const auto& delay = ci.delay[static_cast<int>(g)];
    double when = t;
    if (delay) {
        stream s = delay_stream();
        when += delay->sample(s);
    }
    if (g == treatment::solution) {
        if (org.meeting_every > 0.0) {
            stream s = meeting_stream();
            when = next_meeting(when, org.meeting_every, s.uniform() * org.meeting_every);
        }
        if (above) when = next_meeting(when, org.forum_every, 0.0);
    }
    return when;
}

/// Whether `ci` can start one more while `busy` of it are active.
[[nodiscard]] inline bool has_room(const compiled_intervention& ci, std::uint32_t busy) noexcept {
    return ci.capacity == 0 || busy < ci.capacity;
}

/// Which of two queues a request waits in (0 or 1), served 1 first: solution families have
/// their own when the discipline puts them first, else every request is in 0. The same for an
/// intervention's slots and a state's places (tracks.states.queue).
[[nodiscard]] inline unsigned queue_of(bool solution_first, treatment g) noexcept {
    return solution_first ? static_cast<unsigned>(g) : 0u;
}
[[nodiscard]] inline unsigned queue_of(const compiled_intervention& ci, treatment g) noexcept {
    return queue_of(ci.solution_first, g);
}

}  // namespace tvaer::detail
