// Events described in words for error messages (simulator::handle): a planner reads which
// event failed, about which family, member, track, state or intervention, not a kind number.
#include "simulator.hpp"

#include <fmt/format.h>

namespace tvaer::detail {
namespace {

std::string quoted_or_index(const std::vector<std::string>& names, int i) {
    if (i >= 0 && static_cast<std::size_t>(i) < names.size()) return fmt::format("'{}'", names[static_cast<std::size_t>(i)]);
    return fmt::format("#{}", i);
}

std::string member_of(const model& m, const event_subject& s) {
    std::string out = fmt::format("family {}", s.family);
    if (s.member < 0) return out;
    out += fmt::format(", member {}", s.member);
    if (s.track < 0 || static_cast<std::size_t>(s.track) >= m.spec.tracks.size()) return out;
    const track& tr = m.spec.tracks[static_cast<std::size_t>(s.track)];
    std::vector<std::string> states;
    for (const auto& st : tr.states) states.push_back(st.name);
    return out + fmt::format(" (track '{}', state {})", tr.name, quoted_or_index(states, s.state));
}

std::string intervention_name(const model& m, int iv) {
    std::vector<std::string> names;
    for (const auto& i : m.spec.interventions) names.push_back(i.name);
    return quoted_or_index(names, iv);
}

}  // namespace

std::string describe_event(const model& m, unsigned kind, const event_subject& s) {
    switch (kind) {
        case ev_transition: return "transition of " + member_of(m, s);
        case ev_end: return fmt::format("end of intervention {} of {}", intervention_name(m, s.intervention), member_of(m, s));
        case ev_request:
            return fmt::format("decision on intervention {} asked for by {}", intervention_name(m, s.intervention),
                               member_of(m, s));
        case ev_stay_end: return fmt::format("end of the stay in the solution of family {}", s.family);
        case ev_arrival:
            return s.index < 0 ? std::string("arrival of a family (population.arrivals)")
                               : fmt::format("arrival of a family (population.arrivals, arrival {})", s.index);
        case ev_leave: return fmt::format("family {} leaving the population", s.family);
        case ev_capacity: return fmt::format("change of the solution's places (selection.capacity_by_year, year {})", s.index + 1);
        case ev_horizon: return "the end of the warm-up (population.warmup_months): selection at month 0";
        default: return fmt::format("event of unknown kind {}", kind);
    }
}

// What the event `ev` is about, read from the simulator's records (bounds checked: this runs
// after something went wrong).
event_subject simulator::subject_of(const event& ev) const {
    event_subject s;
    const std::uint32_t what = what_of(ev.target);
    const auto about_member = [&](std::uint32_t mi) {
        if (mi >= members_.size()) return;
        const member& mb = members_[mi];
        s.family = mb.family;
        s.member = mi - family_first(mi);
        s.track = static_cast<int>(mb.track);
        s.state = static_cast<int>(mb.state);
    };
    switch (kind_of(ev.target)) {
        case ev_transition: about_member(what); break;
        case ev_end:
            if (what < pool_.size()) {
                about_member(pool_[what].member);
                s.intervention = pool_[what].iv;
            }
            break;
        case ev_request:
            if (what < delayed_.size()) {
                about_member(delayed_[what].member);
                s.intervention = delayed_[what].iv;
            }
            break;
        case ev_stay_end:
        case ev_leave:
            if (what < members_.size()) s.family = members_[what].family;
            break;
        case ev_arrival: s.index = what == no_target ? -1 : what; break;
        case ev_capacity: s.index = what; break;
        case ev_horizon: break;
    }
    return s;
}

}  // namespace tvaer::detail
