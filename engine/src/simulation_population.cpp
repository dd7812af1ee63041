// Who is simulated: families from the scenario's generator or the planner's table, arrivals
// and departures of open populations, and the per-family output (simulator.hpp).
#include "simulator.hpp"

#include <cmath>
#include <fmt/format.h>

namespace tvaer::detail {

namespace {
// `rate` per month over [t0, t1), cut into periods of `months` months (period p is months
// [p * months, (p + 1) * months)): calls f(p, amount) for each non-empty piece.
template <class F>
void split_periods(double t0, double t1, double rate, std::size_t months, F&& f) {
    if (!(t1 > t0) || rate == 0.0) return;
    auto p = static_cast<std::size_t>(t0) / months;
    for (double t = t0; t < t1; ++p) {
        const double until = std::min(t1, static_cast<double>(months * (p + 1)));
        f(p, rate * (until - t));
        t = until;
    }
}
}  // namespace

// The share of a track's generated members whose first state is in `states` (a bit per state):
// the larger of its initial and stock mixes' shares.
namespace {
double share_in(const compiled_track& tr, std::uint64_t states) {
    double most = 0.0;
    for (const auto* cdf : {&tr.initial_cdf, &tr.stock_cdf}) {
        double share = 0.0, below = 0.0;
        for (std::size_t s = 0; s < cdf->size(); ++s) {
            if ((states >> s) & 1u) share += (*cdf)[s] - below;
            below = (*cdf)[s];
        }
        most = std::max(most, share);
    }
    return most;
}
}  // namespace

std::size_t simulator::expected_members(bool benefit_reach_only) const {
    const auto& p = m_.spec.people;
    const double families = static_cast<double>(m_.table.empty() ? m_.initial_families : 0) +
                            p.arrivals_per_month * run_months() + static_cast<double>(p.arrival_months.size());
    // A family's members: their mean and mean square over the tracks' independent counts.
    double mean = 0.0, var = 0.0;
    for (const auto& tr : m_.tracks) {
        // Only members whose first state can reach benefits: a share of them.
        const double share = benefit_reach_only ? share_in(tr, tr.benefit_reach) : 1.0;
        if (tr.certain_members >= 0) {
            mean += share * tr.certain_members;
            continue;
        }
        double m1 = 0.0, m2 = 0.0, below = 0.0;
        for (std::size_t n = 0; n < tr.members_cdf.size(); ++n) {
            const double p_n = tr.members_cdf[n] - below;
            below = tr.members_cdf[n];
            m1 += p_n * static_cast<double>(n);
            m2 += p_n * static_cast<double>(n * n);
        }
        mean += share * m1;
        var += share * share * (m2 - m1 * m1) + share * (1.0 - share) * m1;  // a thinned count's variance
    }
    // Counts of whole families vary too (arrivals are Poisson): the bound is generous either way.
    const double sd = std::sqrt(families * (var + mean * mean));
    return m_.table.size() + static_cast<std::size_t>(families * mean + 4.0 * sd) + 64;
}

void simulator::populate() {
    // The end of the warm-up is the first event at its tick: month 0 begins before anything else
    // that happens then. Scheduled here, so an arm copied after populate() has it too.
    if (warmup_ > 0.0) schedule(warmup_, ev_horizon, 0);
    // The room reserved here (and the pool's and calendar's, in the constructor) is what
    // reserve_as gives an arm copied from this one: an array reserved here is reserved there too.
    const std::size_t members = expected_members();
    members_.reserve(members);
    if (refusion_) {
        counted_.reserve(members);
        benefit_counts_.reserve(expected_members(true));
    }
    fam_inst_.reserve(static_cast<std::size_t>(m_.initial_families) +
                      static_cast<std::size_t>(m_.spec.people.arrivals_per_month * run_months() * 1.25) +
                      m_.spec.people.arrival_months.size() + 16);
    if (!m_.table.empty()) {
        for (const auto& row : m_.table) add_member(row.family, row.track, row.state, row.benefit, 0.0);
        next_family_ = m_.initial_families;
    } else {
        while (next_family_ < m_.initial_families) {
            generate_family(0.0, true);
            if (next_family_ % check_every == 0) check_cancelled();  // a million families take a while
        }
    }
    for (std::uint32_t first = 0; first < members_.size(); first = family_end(first)) schedule_leave(first, 0.0);
}

void simulator::reserve_as(const simulator& other) {
    members_.reserve(other.members_.capacity());
    fam_inst_.reserve(other.fam_inst_.capacity());
    pool_.reserve(other.pool_.capacity());
    benefit_counts_.reserve(other.benefit_counts_.capacity());
    counted_.reserve_as(other.counted_);
    cal_.reserve_as(other.cal_);
}

void simulator::add_member(std::uint32_t f, std::uint8_t track, std::uint8_t state, std::uint8_t benefit, double t) {
    if (members_.size() >= max_members) {
        throw simulation_error(fmt::format("population: more than {} members (family {})", max_members, f));
    }
    if (f >= max_families) throw simulation_error(fmt::format("population: more than {} families", max_families));
    member mb{};
    mb.family = f;
    mb.track = track;
    mb.state = state;
    if (m_.capacity_states) mb.state = place(mb, static_cast<std::uint32_t>(members_.size()), 0, state, t);
    mb.benefit = benefit;
    mb.entry = grid_.ceil(t);
    mb.fire = no_fire;
    // The newest member is its family's last: the i-th member before it (i up to family_step)
    // now has i after it; those further back already had family_step or more.
    const bool first = members_.empty() || members_.back().family != f;
    mb.back = first ? 0 : std::min(members_.back().back + 1u, family_step);
    mb.ahead = 0;
    const auto n = static_cast<std::uint32_t>(members_.size());
    for (std::uint32_t i = 1; i <= mb.back; ++i) members_[n - i].ahead = i;
    append(members_, mb);
    while (first && fam_inst_.size() <= f) append(fam_inst_, nil);
    if (fam_ && f >= out_.family_admitted.size()) grow_families(f + 1);
    if (m_.has_ages) draw_age(static_cast<std::uint32_t>(members_.size() - 1), t);
    if (refusion_) {
        const bool counted = (m_.tracks[mb.track].benefit_reach >> mb.state) & 1u;
        counted_.push_back(counted, [](auto& v, const auto& x) { append(v, x); });
        if (counted) {
            append(benefit_counts_, benefit_count{0, 1, benefit_count::never_off});
        }
    }
}

// A family from the scenario's generator; its draws are keyed by its family number. The first
// families (at t = 0) start in the tracks' stock mix when the scenario has one (steady_state.hpp),
// with the same draws.
std::uint32_t simulator::generate_family(double t, bool first_families) {
    const std::uint32_t f = next_family_++;
    std::uint64_t local = 0;
    for (std::size_t tr_i = 0; tr_i < m_.tracks.size(); ++tr_i) {
        const auto& tr = m_.tracks[tr_i];
        // A count that is certain needs no draw (the draw has a key of its own: skipping it
        // changes no other number).
        std::size_t n = 0;
        if (tr.certain_members >= 0) {
            n = static_cast<std::size_t>(tr.certain_members);
        } else {
            stream count_draw = keyed(f, family_slot, purpose_population, tr_i);
            n = pick(tr.members_cdf, count_draw.uniform());
        }
        for (std::size_t j = 0; j < n; ++j, ++local) {
            stream s = keyed(f, local, purpose_population, 0);
            const auto& mix = first_families && !tr.stock_cdf.empty() ? tr.stock_cdf : tr.initial_cdf;
            const auto state = static_cast<std::uint8_t>(pick(mix, s.uniform()));
            const auto benefit = tr.benefit_cdf.empty() ? std::uint8_t{0} : static_cast<std::uint8_t>(pick(tr.benefit_cdf, s.uniform()));
            add_member(f, static_cast<std::uint8_t>(tr_i), state, benefit, t);
        }
    }
    return f;
}

void simulator::schedule_arrivals() {
    const auto& p = m_.spec.people;
    for (double t : p.arrival_months) schedule(warmup_ + t, ev_arrival, no_target);  // month t of the horizon
    if (p.arrivals_per_month > 0.0) next_poisson_arrival(0.0, 0);
}

void simulator::next_poisson_arrival(double t, std::uint32_t k) {
    stream s = keyed(population_slot, family_slot, purpose_arrival, k);
    schedule(t + unit_exponential(s) / m_.spec.people.arrivals_per_month, ev_arrival, k);
}

void simulator::schedule_leave(std::uint32_t first, double t) {
    const double rate = m_.spec.people.leave_rate;
    if (!(rate > 0.0)) return;
    stream s = keyed(members_[first].family, family_slot, purpose_leave, 0);
    schedule(t + unit_exponential(s) / rate, ev_leave, first);
}

void simulator::arrive(std::uint32_t k, double t) {
    if (k != nil) next_poisson_arrival(t, k + 1);
    const auto first = static_cast<std::uint32_t>(members_.size());
    generate_family(t);
    const auto end = static_cast<std::uint32_t>(members_.size());
    if (first == end) return;  // a family with no members on any track: nobody joins, no event
    ++out_.events;  // a family joins the population
    schedule_leave(first, t);
    if (!started_) {
        // In the warm-up: nobody is considered yet (begin_horizon looks at every family present).
    } else if (arm_ == arm::solution) {
        consider(first, end, t);
    } else if (fam_) {
        note_candidates(first, end, t);
    }
    for (std::uint32_t mi = first; mi < end; ++mi) {
        book_entry_lumps(mi, state_of(members_[mi]));
        schedule_clock(mi, t);
    }
    for (std::uint32_t mi = first; mi < end; ++mi) request_for_state(mi, t);
}

// The family leaves the population: its spells are booked, its interventions end, and every
// pending event of its members becomes stale.
void simulator::leave(std::uint32_t first, double t) {
    const std::uint32_t end = family_end(first);
    if (members_[first].gone) return;  // stale: nothing leaves, no event
    ++out_.events;  // a family leaves the population
    if (members_[first].in_solution) leave_solution(first, t);
    // Spells are booked and the spell counters move on (so queued requests are dropped) before
    // the interventions end; the clocks stop last, as ending an intervention may move them.
    for (std::uint32_t mi = first; mi < end; ++mi) {
        book_state(mi, t);
        next_spell(mi);
    }
    const std::uint32_t f = members_[first].family;
    while (fam_inst_[f] != nil) end_instance(fam_inst_[f], t);
    for (std::uint32_t mi = first; mi < end; ++mi) {
        members_[mi].gone = 1;
        set_fire(mi, inf);
        if (m_.capacity_states) vacate(state_of(members_[mi]));
    }
    if (!m_.place_queues) return;
    for (std::uint32_t mi = first; mi < end; ++mi) {  // the places it held go to those waiting
        if (state_of(members_[mi]).queued) serve_places(members_[mi].track, members_[mi].state, t);
    }
}

void simulator::draw_first_clocks() {
    first_fire_.resize(members_.size());
    for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
        if (mi % check_every == 0) check_cancelled();
        const member& mb = members_[mi];
        const auto& cs = state_of(mb);
        double t_fire = inf;  // as draw_clock at t = 0 with the state's own rates
        if (!cs.dest.empty() && cs.base_total > 0.0) {
            stream s = member_stream(mi, purpose_spell, mb.spell);
            s.discard(1);
            t_fire = 0.0 + cs.duration.sample(s, cs.base_total);
        }
        first_fire_[mi] = fire_tick(t_fire);
    }
}

void simulator::start_clocks() {
    for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
        if (mi % check_every == 0) check_cancelled();
        if (members_[mi].gone) continue;
        const member& mb = members_[mi];
        const auto& cs = state_of(mb);
        book_entry_lumps(mi, cs);
        if (!first_fire_.empty() && !effects_may_act(cs, mb) && first_fire_[mi] != time_grid::saturated) {
            set_fire(mi, inf, first_fire_[mi]);  // drawn by draw_first_clocks (t_fire is read only when saturated)
        } else {
            schedule_clock(mi, 0.0);
        }
    }
    first_fire_ = {};
}

void simulator::initial_requests() {
    for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
        if (!members_[mi].gone) request_for_state(mi, 0.0);
    }
}

// `rate` per month over [t0, t1) of ledger line `line` on the family's row, split at year
// boundaries (years are counted from the month of t0, as the ledger counts months).
void simulator::family_accrue(std::uint32_t f, std::size_t line, double rate, double t0, double t1) {
    split_periods(t0, t1, rate, 12, [&](std::size_t year, double amount) { family_cell(f, year, line) += amount; });
}

void simulator::book_detail(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
    if (fam_) family_accrue(members_[mi].family, line, rate, t0, t1);
    if (log_) log_accrue(mi, line, rate, t0, t1);
}

void simulator::book_lump_detail(std::uint32_t mi, std::size_t line, double amount, double t) {
    if (fam_) family_cell(members_[mi].family, month_of(t) / 12, line) += amount;
    if (log_) log_booking(mi, line, month_of(t), amount);
}

// `rate` per month over [t0, t1) of ledger line `line` in the booking log, month by month (months
// as the ledger counts them; empty pieces are left out).
void simulator::log_accrue(std::uint32_t mi, std::size_t line, double rate, double t0, double t1) {
    split_periods(t0, t1, rate, 1, [&](std::size_t month, double amount) { log_booking(mi, line, month, amount); });
}

void simulator::log_booking(std::uint32_t mi, std::size_t line, std::size_t month, double amount) {
    // born_ is kept only when some track has ages; NaN on the others (and NaN < 0 is false).
    double age = mi < born_.size() ? age_years(mi, static_cast<double>(month)) : std::numeric_limits<double>::quiet_NaN();
    if (age < 0.0) age = 0.0;  // born during the month
    out_.bookings.push_back(booking{members_[mi].family, static_cast<std::uint16_t>(mi - family_first(mi)),
                                    static_cast<std::uint16_t>(month), static_cast<std::uint32_t>(line),
                                    static_cast<float>(age), amount});
}

void simulator::grow_families(std::size_t n) {
    out_.family_costs.resize(n * years_ * m_.budgets.size() * 2, 0.0);
    out_.family_admitted.resize(n, -1);
    out_.family_candidate.resize(n, 0);
}

}  // namespace tvaer::detail
