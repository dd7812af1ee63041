// The simulation's hot path: events, competing clocks and hazards, cost booking, interventions
// and their queues, and settling at the horizon (simulator.hpp).
#include "simulator.hpp"

#include <bit>
#include <cmath>
#include <optional>
#include <fmt/format.h>

#include "tvaer/intervention.hpp"
#include "tvaer/refusion.hpp"

namespace tvaer::detail {

simulator::simulator(const model& m, std::uint64_t seed, std::uint32_t replication, arm a,
                     const replication_options& options)
    : m_(m),
      arm_(a),
      fam_(options.family_costs),
      log_(options.bookings),
      cancel_(options.cancel),
      warmup_(m.spec.people.warmup_months),
      months_(m.months + static_cast<std::size_t>(warmup_)),
      started_(false),
      years_(family_years(months_)),
      horizon_(static_cast<double>(months_)),
      prefix_(key_hash::start(seed).then(replication)),
      grid_(horizon_),
      cal_(grid_.horizon_ticks(), static_cast<std::size_t>(m.initial_families) * 2) {
    const std::size_t months = months_;
    const std::size_t nivs = m.interventions.size();
    out_.costs = ledger(m.lines.size(), months);
    out_.occupancy = ledger(m.occupancy_rows.size(), months);
    out_.queue = ledger(nivs, months);
    out_.transitions.assign(months * m.transition_rows.size(), 0);
    out_.requests.assign(months * nivs, 0);
    out_.starts.assign(months * nivs, 0);
    out_.dropped.assign(months * nivs, 0);
    out_.wait_months.assign(months * nivs, 0.0);
    out_.group_requests.assign(2 * months * nivs, 0);
    out_.group_starts.assign(2 * months * nivs, 0);
    out_.group_dropped.assign(2 * months * nivs, 0);
    out_.group_wait_months.assign(2 * months * nivs, 0.0);
    out_.group_decision_wait.assign(2 * months * nivs, 0.0);
    out_.group_redirected.assign(2 * months * m.occupancy_rows.size(), 0);
    if (m.capacity_states) state_count_.assign(m.occupancy_rows.size(), 0);
    busy_.assign(nivs, 0);
    queues_.resize(nivs);
    if (m.place_queues) {
        place_queues_.resize(m.occupancy_rows.size());
        out_.group_placed.assign(2 * months * m.occupancy_rows.size(), 0);
        out_.group_place_wait.assign(2 * months * m.occupancy_rows.size(), 0.0);
    }
    queue_since_.assign(nivs, 0.0);
    std::size_t slots = 0;  // instances that capacity-limited interventions can hold at once
    for (const auto& ci : m.interventions) slots += ci.capacity;
    pool_.reserve(slots);
    for (std::size_t i = 0; i < m.tracks.size(); ++i) {
        track_states_[i] = m.tracks[i].states.data();
        track_costs_[i] = {m.tracks[i].resolved_costs.data(), m.tracks[i].cost_runs.data(), m.tracks[i].benefit_types};
    }
    for (std::size_t i = 0; i < m.include_benefits.size(); ++i)
        for (int b : m.include_benefits[i]) include_mask_[i] |= std::uint64_t{1} << b;
    for (std::size_t i = 0; i < m.exclude_benefits.size(); ++i)
        for (int b : m.exclude_benefits[i]) exclude_mask_[i] |= std::uint64_t{1} << b;
    if (s176_) s176_book_ = reimbursement_book(m.reimbursement, months);
}

void simulator::begin_run() {
    // With a warm-up, populate() has put its end in the calendar; begin_horizon runs there.
    if (warmup_ == 0.0) begin_horizon(0.0);
    start_clocks();  // after selection: one-offs at t = 0 go on the lines of the family's treatment
    initial_requests();
    schedule_arrivals();
    // Prefetching pays once the records outgrow the core's own cache (docs/performance.md): below
    // that it only adds instructions. Decided once, on the population at the start.
    prefetch_ = members_.size() * sizeof(member) > prefetch_above_bytes;
}

bool simulator::run_warmup() {
    if (warmup_ == 0.0) return false;
    begin_run();
    run_events<true>();
    return true;
}

arm_result simulator::finish() {
    if (held_) {  // run_warmup has begun the run and stopped at the warm-up's end
        const event ev = *held_;
        held_.reset();
        handle(ev);
    } else {
        begin_run();
    }
    run_events<false>();
    settle();
    out_.families = next_family_;
    if (fam_ && out_.family_admitted.size() < next_family_) grow_families(next_family_);
    if (warmup_ > 0.0) drop_warmup();
    out_.members = static_cast<std::uint32_t>(members_.size());
    // Everything the engine holds that grows with the population (docs/performance.md).
    std::size_t queued_bytes = 0;
    for (const auto& q : queues_) queued_bytes += q.peak_bytes();
    for (const auto& q : place_queues_) queued_bytes += q.peak_bytes();
    out_.engine_bytes = members_.capacity() * sizeof(member) + fam_inst_.capacity() * sizeof(std::uint32_t) +
                        pool_.capacity() * sizeof(instance) + delayed_.capacity() * sizeof(delayed_request) +
                        queued_bytes + waiting_.capacity() * sizeof(std::uint32_t) +
                        benefit_counts_.capacity() * sizeof(benefit_count) + counted_.memory_bytes() +
                        (far_fire_.size() + delayed_ticks_.size()) * 4 * sizeof(std::uint64_t) /* a hash node: about four words */ +
                        cal_.memory_bytes() + s176_book_.memory_bytes();
    return std::move(out_);
}

template <bool Prefetch, bool ToWarmupEnd>
void simulator::event_loop() {
    event ev{};
    std::uint32_t until_check = check_every;
    while (cal_.pop(ev)) {
        if constexpr (ToWarmupEnd) {
            if (kind_of(ev.target) == ev_horizon) {
                held_ = ev;
                return;
            }
        }
        if constexpr (Prefetch) prefetch_ahead();
        handle(ev);
        if (--until_check == 0) {
            until_check = check_every;
            check_cancelled();
        }
    }
}

// Effective weights of the member's destinations and their total (exponential: the total
// rate; with a sojourn distribution: the hazard multiplier sum p_k m_k).
double simulator::weights(std::uint32_t mi, double* w) const {
    const member& mb = members_[mi];
    const auto& cs = state_of(mb);
    const std::size_t n = cs.dest.size();
    for (std::size_t k = 0; k < n; ++k) w[k] = cs.base[k];  // short: no memmove call
    // The same sum, taken once in compile(), when nothing can multiply a weight.
    if (!effects_may_act(cs, mb)) return cs.base_total;
    // The family's interventions that count for this member (intervention.hpp, counts_for), then
    // the solution's own effects.
    if (mb.busy) {
        for (std::uint32_t id = fam_inst_[mb.family]; id != nil; id = pool_[id].next) {
            const instance& in = pool_[id];
            if (!counts_for(in.member == mi, members_[in.member].track == mb.track)) continue;
            multiply(m_.interventions[in.iv].effects, mb.track, mb.state, cs.dest, w);
        }
    }
    if (treat(mb) == treatment::solution) multiply(m_.solution_effects, mb.track, mb.state, cs.dest, w);
    double total = 0.0;
    for (std::size_t k = 0; k < n; ++k) total += w[k];
    return total;
}

double simulator::multiplied_total(std::uint32_t mi) const {
    double w[64];
    return weights(mi, w);
}

void simulator::schedule_clock(std::uint32_t mi, double t) {
    stream s = member_stream(mi, purpose_spell, members_[mi].spell);
    s.discard(1);  // the destination number
    draw_clock(mi, t, s);
}

void simulator::draw_clock(std::uint32_t mi, double t, stream& s) {
    const member& mb = members_[mi];
    const auto& cs = state_of(mb);
    double t_fire = inf;
    if (!cs.dest.empty()) {
        const double total = multiplier(mi);
        // Competing exponential rates are a unit exponential duration scaled by their total.
        if (total > 0.0) t_fire = t + cs.duration.sample(s, total);
    }
    set_fire(mi, t_fire);
}

// The pending transition's time in months: its grid time, or the exact time of a clock 16
// horizons or more away; inf if none.
double simulator::fire_months(std::uint32_t mi) const {
    const std::uint32_t f = members_[mi].fire;
    if (f == no_fire) return inf;
    return f == time_grid::saturated ? far_fire_.at(mi) : months(f);
}

// A clock 16 horizons or more away keeps its exact time on the side (rare: it is only read
// if an effect moves the clock again).
void simulator::set_far_fire(std::uint32_t mi, double t_fire) {
    if (t_fire < inf) {
        far_fire_[mi] = t_fire;
    } else {
        far_fire_.erase(mi);
    }
}

// The member's hazard multiplier changed from `before`: move its pending clock (exact for
// memoryless and proportional-hazard clocks; see distributions.hpp).
void simulator::rescale(std::uint32_t mi, double before, double t) {
    if (mi == transitioning_) return;
    member& mb = members_[mi];
    const double after = multiplier(mi);
    if (after == before) return;
    const auto& cs = state_of(mb);
    if (!(before > 0.0)) {
        // The clock was stopped (multiplier 0): restart it from the spell's own draw.
        schedule_clock(mi, t);
        return;
    }
    const double entry = months(mb.entry);
    const double t_fire = entry + rescale_fire_age(cs.duration, t - entry, fire_months(mi) - entry, before, after);
    // A clock that lands on the grid point it already had keeps its pending event (a clock 16
    // horizons away still takes its new exact time).
    const std::uint32_t tick = fire_tick(t_fire);
    if (tick == mb.fire && tick != time_grid::saturated) return;
    set_fire(mi, t_fire, tick);
}

void simulator::book_state(std::uint32_t mi, double t) { book_spell(mi, t); }

void simulator::book_spell(std::uint32_t mi, double t) {
    const member& mb = members_[mi];
    const auto& cs = state_of(mb);
    const double entry = months(mb.entry);
    // The spell's months are cut once for its occupancy, its costs and its refund.
    const ledger::interval spell = ledger::cut(entry, t);
    out_.occupancy.accrue(cs.occupancy_row, 1.0, spell);
    for (const auto& bc : state_costs(mb, treat(mb))) {
        book(mi, bc.line, bc.monthly, spell, entry, t);
        if (bc.refusion_line != nil) book_refund(mi, bc, 1.0, spell, t);  // most costs have no refund
    }
}

// The state's refund of a benefit paid over [entry, t) (refusion.hpp). A member whose weeks on
// benefits are past the ladder's last step when the spell began (most of them: members enter
// with refusion.initial_weeks) gets one piece at the last share over the whole spell, booked on
// the spell's interval as cut already: the piece for_refusion_segments would give, the same
// product, without cutting [entry, t) again.
void simulator::book_refund(std::uint32_t mi, const detail::booked_cost& bc, double factor, const ledger::interval& span,
                            double t) {
    if (bc.refusion_line == nil) return;
    const auto& ladder = m_.spec.refusion;
    const double entry = months(members_[mi].entry);
    const double age0 = benefit_count_of(mi).age(initial_months_, grid_.tick());
    const double rate = factor * bc.monthly;
    if (ladder.upper_weeks.empty() || age0 * weeks_per_month >= ladder.upper_weeks.back()) {
        if (entry < t) book(mi, bc.refusion_line, -(rate * ladder.shares.back()), span, entry, t);
        return;
    }
    for_refusion_segments(rate, entry, t, age0, ladder,
                          [&](double refunded, double a, double b) { book(mi, bc.refusion_line, -refunded, a, b); });
}

// Weeks on benefits are counted across benefit states; 52 weeks off restart the count.
void simulator::count_benefit_weeks(std::uint32_t mi, bool was_on, bool is_on, double t) {
    if (!refusion_ || !(was_on || is_on)) return;  // only members with a benefit count get past here
    benefit_count& bc = benefit_count_of(mi);
    if (was_on) {
        bc.on_ticks += cal_.now() - members_[mi].entry;  // t's tick: at most the horizon's 2^28 ticks in all
        bc.off_since = cal_.now();
    }
    if (is_on && !was_on &&
        (bc.off_since == benefit_count::never_off ||
         t - months(bc.off_since) >= m_.spec.refusion.reset_after_weeks / weeks_per_month)) {
        bc.on_ticks = 0;
        bc.from_initial = 0;
    }
}

void simulator::book_entry_lumps(std::uint32_t mi, const detail::compiled_state& cs) {
    if (!cs.has_one_off) return;
    const member& mb = members_[mi];
    for (const auto& bc : state_costs(mb, treat(mb))) {
        if (bc.one_off != 0.0) book_lump(mi, bc.line, bc.one_off, months(mb.entry));
    }
}

void simulator::book_instance(const instance& in, double t) {
    const member& mb = members_[in.member];
    for (const auto& bc : m_.interventions[in.iv].costs[static_cast<int>(treat(mb))]) {
        if (applies_to(bc, mb)) {
            book(in.member, bc.line, bc.monthly, months(in.start), t);
        }
    }
}

void simulator::request_for_state(std::uint32_t mi, double t) {
    const member& mb = members_[mi];
    std::uint64_t req = state_of(mb).requests;
    while (req != 0) {
        const auto iv = static_cast<std::uint32_t>(std::countr_zero(req));
        req &= req - 1;
        request(mi, iv, t);
    }
}

void simulator::request(std::uint32_t mi, std::uint32_t iv, double t) {
    const member& mb = members_[mi];
    const auto& ci = m_.interventions[iv];
    const treatment g = treat(mb);
    if (!ci.available[static_cast<int>(g)] || has_active(mi, iv)) return;
    if (may_wait_for_decision(ci, g)) {
        const bool above = g == treatment::solution && grant_above(mi, iv);
        const double when = decision_time(
            ci, g, m_.spec.org, t, above, [&] { return member_stream(mi, ci.purpose_delay, mb.spell); },
            [&] { return keyed(mb.family, family_slot, purpose_meeting, 0); });
        if (when > t) {
            const std::uint32_t slot = allocate_delayed();
            delayed_request& r = delayed_[slot];
            r.member = mi;
            r.spell = mb.spell;
            r.iv = iv;
            r.group = static_cast<std::uint32_t>(g);
            r.at_entry = cal_.now() == mb.entry ? 1 : 0;
            if (r.at_entry == 0) delayed_ticks_[slot] = cal_.now();
            if (!schedule(when, ev_request, slot)) release_delayed(slot);  // decided after the horizon
            return;
        }
    }
    decide(mi, iv, t, g, 0.0);
}

// Whether member mi's grant of iv inside the solution is above the amount ceiling (intervention.hpp,
// grant_above_ceiling: per grant, its duration is the keyed draw start() makes).
bool simulator::grant_above(std::uint32_t mi, std::uint32_t iv) const {
    const auto& ci = m_.interventions[iv];
    return grant_above_ceiling(ci, m_.spec.org, [&] { return member_stream(mi, ci.purpose_duration, members_[mi].spell); });
}

// The request of member mi for intervention iv is decided at t, `waited` months after a member
// of group `asked_in` made it: it is granted with its grant probability (one keyed draw per
// member, intervention and spell, so the same in both arms), then starts if a slot is free, else
// it joins the queue. A refused request counts as decided.
void simulator::decide(std::uint32_t mi, std::uint32_t iv, double t, treatment asked_in, double waited) {
    const member& mb = members_[mi];
    const auto& ci = m_.interventions[iv];
    const std::size_t cell = month_of(t) * m_.interventions.size() + iv;
    ++out_.requests[cell];
    ++out_.group_requests[group_cell(asked_in, cell)];
    out_.group_decision_wait[group_cell(asked_in, cell)] += waited;
    const double p = grant_probability(ci, asked_in, [&] { return grant_above(mi, iv); });
    if (p < 1.0) {
        stream s = member_stream(mi, ci.purpose_grant, mb.spell);
        if (!(s.uniform() < p)) return;
    }
    if (has_room(ci, busy_[iv])) {
        start(mi, iv, t, t);
        return;
    }
    note_queue_change(iv, t);
    queues_[iv].line[queue_of(ci, treat(mb))].push({cal_.now(), mi, mb.spell});
    ++out_.events;  // a queue join
}

void simulator::note_queue_change(std::uint32_t iv, double t) {
    const auto waiting = queues_[iv].size();
    out_.queue.accrue(iv, static_cast<double>(waiting), queue_since_[iv], t);
    queue_since_[iv] = t;
}

void simulator::start(std::uint32_t mi, std::uint32_t iv, double t, double t_request) {
    const auto& ci = m_.interventions[iv];
    member& mb = members_[mi];
    stream s = member_stream(mi, ci.purpose_duration, mb.spell);
    const double duration = ci.duration.sample(s);
    const std::size_t cell = month_of(t) * m_.interventions.size() + iv;
    const std::size_t by_group = group_cell(treat(mb), cell);
    ++out_.starts[cell];
    ++out_.group_starts[by_group];
    out_.wait_months[cell] += t - t_request;
    out_.group_wait_months[by_group] += t - t_request;
    ++out_.events;
    ++busy_[iv];
    for (const auto& bc : ci.costs[static_cast<int>(treat(mb))]) {
        if (bc.one_off != 0.0 && applies_to(bc, mb)) {
            book_lump(mi, bc.line, bc.one_off, t);
        }
    }
    auto link = [&] {
        const std::uint32_t id = allocate_instance();
        const std::uint32_t f = members_[mi].family;
        instance& in = pool_[id];
        in.start = cal_.now();  // t's tick
        in.member = mi;
        in.iv = static_cast<std::uint16_t>(iv);
        in.alive = 1;
        in.next = fam_inst_[f];
        if (in.next == nil) set_busy(mi, true);
        fam_inst_[f] = id;
        in.pending = cal_.push(std::max(grid_.ceil(t + duration), in.start), make_target(ev_end, id)) ? 1 : 0;
    };
    if (ci.effects.empty()) {
        link();
    } else {
        with_family_rates(mi, iv, link, t);
    }
}

// Ends an active intervention at t (its scheduled end, or earlier). Its slot is reused once no
// event names it any more.
void simulator::end_instance(std::uint32_t id, double t) {
    const instance in = pool_[id];
    const auto& ci = m_.interventions[in.iv];
    book_instance(in, t);
    ++out_.events;
    auto unlink = [&] {
        const std::uint32_t f = members_[in.member].family;
        std::uint32_t* link = &fam_inst_[f];
        while (*link != id) link = &pool_[*link].next;
        *link = pool_[id].next;
        if (fam_inst_[f] == nil) set_busy(in.member, false);
        pool_[id].alive = 0;
        if (!pool_[id].pending) release_instance(id);
    };
    if (ci.effects.empty()) {
        unlink();
    } else {
        with_family_rates(in.member, in.iv, unlink, t);
    }
    --busy_[in.iv];
    serve_queue(in.iv, t);
}

// Starts queued requests while slots are free: solution families first when the
// intervention's discipline says so (their own queue), then in order of request.
void simulator::serve_queue(std::uint32_t iv, double t) {
    queue_pair& q = queues_[iv];
    const auto& ci = m_.interventions[iv];
    if (q.empty()) return;
    note_queue_change(iv, t);
    while (has_room(ci, busy_[iv]) && !q.empty()) {
        const queued r = q.pop();
        const member& mb = members_[r.member];
        // Dropped: it left the state (or the population), it already has the intervention, or
        // it is no longer entitled to it (it left the solution).
        if (mb.spell != r.spell || has_active(r.member, iv) ||
            !ci.available[static_cast<int>(treat(mb))]) {
            const std::size_t cell = month_of(t) * m_.interventions.size() + iv;
            ++out_.dropped[cell];
            ++out_.group_dropped[group_cell(treat(mb), cell)];
            continue;
        }
        start(r.member, iv, t, months(r.t_request));
    }
}

void simulator::handle(const event& ev) {
    const double t = months(ev.tick);
    const std::uint32_t what = what_of(ev.target);
    try {
        switch (kind_of(ev.target)) {
            case ev_transition:
                if (members_[what].fire == ev.tick) transition(what, t);
                break;
            case ev_end:
                pool_[what].pending = 0;
                if (pool_[what].alive) {
                    end_instance(what, t);
                } else {
                    release_instance(what);  // it ended early; its slot is free now
                }
                break;
            case ev_request: delayed_decision(what, t); break;
            case ev_stay_end: end_stay(what, t); break;
            case ev_arrival: arrive(what == no_target ? nil : what, t); break;
            case ev_leave: leave(what, t); break;
            case ev_capacity: admit_while_room(t); break;
            case ev_horizon: begin_horizon(t); break;
        }
    } catch (const cancelled&) {
        throw;
    } catch (const scenario_error&) {
        throw;
    } catch (const std::exception& e) {  // simulation_events.cpp names the event
        throw simulation_error(fmt::format("at t = {:.2f} months, {}: {}", t - warmup_,
                                           describe_event(m_, kind_of(ev.target), subject_of(ev)), e.what()));
    }
}

// A delayed request's decision is due: it goes ahead if the member is still in the spell it was
// made in (it has not moved or left).
void simulator::delayed_decision(std::uint32_t slot, double t) {
    const delayed_request r = delayed_[slot];
    if (members_[r.member].spell != r.spell) {
        release_delayed(slot);
        return;
    }
    const std::uint32_t t_request = request_tick(slot);
    release_delayed(slot);
    const member& mb = members_[r.member];
    // Still entitled (it may have left the solution) and not holding it already.
    if (!m_.interventions[r.iv].available[static_cast<int>(treat(mb))] || has_active(r.member, r.iv)) return;
    ++out_.events;  // a decision made: an event of its own (a request decided at once is part of its transition)
    decide(r.member, r.iv, t, static_cast<treatment>(r.group), t - months(t_request));
}

void simulator::enter(std::uint32_t mi, std::uint8_t to, double t, stream& s) {
    member& mb = members_[mi];
    const detail::compiled_state* states = track_states_[mb.track];
    const std::uint8_t from = mb.state;
    count_benefit_weeks(mi, states[from].on_benefit, states[to].on_benefit, t);
    mb.state = to;
    mb.entry = cal_.now();  // t's tick
    next_spell(mi);
    transitioning_ = mi;
    const auto& ns = states[mb.state];
    for_instances(mi, [&](std::uint32_t id) {
        if (ends_on(m_.interventions[pool_[id].iv], members_[mi].state)) end_instance(id, t);
    });
    book_entry_lumps(mi, ns);
    request_for_state(mi, t);
    transitioning_ = nil;
    draw_clock(mi, t, s);
    // selection.recheck: a move within an eligibility class cannot change eligible() (classify_eligibility).
    if (recheck_ && !mb.in_solution && !mb.gone &&
        eligibility_class_[mb.track][from] != eligibility_class_[mb.track][mb.state]) {
        reconsider(mi, t);
    }
}

void simulator::transition(std::uint32_t mi, double t) {
    member& mb = members_[mi];
    const detail::compiled_state* states = track_states_[mb.track];
    const std::uint8_t from = mb.state;
    const auto& cs = states[from];
    // The destination weights: the state's own rates unless an effect can change them.
    double buf[64];
    const double* w = cs.base.data();
    const bool multiplied = effects_may_act(cs, mb);
    const double total = multiplied ? weights(mi, buf) : cs.base_total;
    if (multiplied) w = buf;
    // The stream of the spell this transition starts: the destination, then the new sojourn.
    stream s = member_stream(mi, purpose_spell, mb.spell + 1);
    double u = s.uniform() * total;
    std::size_t k = 0;
    while (k + 1 < cs.dest.size() && u >= w[k]) u -= w[k++];
    book_spell(mi, t);
    ++out_.transitions[month_of(t) * m_.transition_rows.size() + cs.transition_row + k];
    ++out_.events;
    std::uint8_t to = cs.dest[k];
    if (m_.capacity_states) {
        vacate(cs);
        to = place(mb, mi, mb.spell + 1, to, t);
    }
    enter(mi, to, t, s);
    // A place it left goes to the first member waiting for it, once this transition is done.
    if (cs.queued) serve_places(mb.track, from, t);
}

// Places of `state` freed: members waiting for them (tracks.states.queue) move in, in the queue's
// order, while places are free. A member that has left its waiting spell (it moved on, or its
// family left) no longer waits and is skipped.
void simulator::serve_places(std::uint8_t track, std::uint8_t state, double t) {
    const auto& cs = track_states_[track][state];
    queue_pair& q = place_queues_[cs.occupancy_row];
    while (state_count_[cs.occupancy_row] < cs.capacity && !q.empty()) {
        const queued r = q.pop();
        const member& mb = members_[r.member];
        if (mb.gone || mb.spell != r.spell) continue;
        enter_from_queue(r.member, state, t, months(r.t_request));
    }
}

// A waiting member takes a place of `state` at t: its waiting spell ends as a transition's would,
// the new spell's clock drawn from its own stream (after the destination number it does not use).
void simulator::enter_from_queue(std::uint32_t mi, std::uint8_t state, double t, double t_request) {
    const auto& cs = track_states_[members_[mi].track][state];
    ++state_count_[cs.occupancy_row];
    const std::size_t cell = (static_cast<std::size_t>(treat(members_[mi])) * months_ + month_of(t)) *
                                 m_.occupancy_rows.size() + cs.occupancy_row;
    ++out_.group_placed[cell];
    out_.group_place_wait[cell] += t - t_request;
    ++out_.events;
    book_spell(mi, t);
    stream s = member_stream(mi, purpose_spell, members_[mi].spell + 1);
    s.discard(1);
    enter(mi, state, t, s);
}

std::string simulator::too_many_transitions(std::uint32_t mi) const {
    const member& mb = members_[mi];
    const auto& tr = m_.spec.tracks[mb.track];
    return fmt::format("family {}: a member on track '{}' (now in state '{}') made more than {} transitions "
                       "within the horizon; are the rates of tracks.{}.states per month?",
                       static_cast<std::uint32_t>(mb.family), tr.name, tr.states[mb.state].name, spell_mask, tr.name);
}

void simulator::settle() {
    for (std::uint32_t mi = 0; mi < members_.size(); ++mi) {
        if (!members_[mi].gone) book_state(mi, horizon_);  // else booked when it left
    }
    for (std::uint32_t head : fam_inst_) {
        for (std::uint32_t id = head; id != nil; id = pool_[id].next) book_instance(pool_[id], horizon_);
    }
    for (std::uint32_t iv = 0; iv < m_.interventions.size(); ++iv) note_queue_change(iv, horizon_);
    if (arm_ == arm::solution && m_.has_staff) book_staff();
    out_.occupancy.finish();
    if (arm_ == arm::solution) book_coordination();
    if (s176_) book_reimbursement();
    out_.costs.finish();
    out_.queue.finish();
}

// § 176 (reimbursement.hpp): each family's or member's yearly cost is complete once every spell
// and intervention is booked; the state's share goes on the family's lines like its other costs.
void simulator::book_reimbursement() {
    s176_book_.settle([&](std::uint32_t mi, std::uint32_t line, double amount, double t) { book_lump(mi, line, amount, t); });
}

// The staff's salaries over the horizon: one rate throughout, or each year's staff
// (organisation.staff_fte_by_year) over that year's months.
void simulator::book_staff() {
    const auto& org = m_.spec.org;
    if (org.staff_fte_by_year.empty()) {
        out_.costs.accrue(m_.staff_line, org.staff_fte * org.salary_per_fte_year / 12.0, warmup_, horizon_);
        return;
    }
    for (std::size_t y = 0; warmup_ + 12.0 * static_cast<double>(y) < horizon_; ++y) {
        const double from = warmup_ + 12.0 * static_cast<double>(y);
        out_.costs.accrue(m_.staff_line, org.staff_in_year(y) * org.salary_per_fte_year / 12.0, from,
                          std::min(from + 12.0, horizon_));
    }
}

// Coordination meetings cost their rate per family-month inside the solution: the month's
// solution/families occupancy (finished) times the rate, so no event of the run pays for them.
// A salary, like the staff line: not a family's cost in the per-family output or the booking log.
void simulator::book_coordination() {
    for (auto month = static_cast<std::size_t>(warmup_); month < months_; ++month) {
        const double family_months = out_.occupancy.at(m_.solution_families_row, month);
        for (const auto& c : m_.coordination) {
            out_.costs.lump(c.line, c.per_family_month * family_months, static_cast<double>(month));
        }
    }
}

}  // namespace tvaer::detail

namespace tvaer {

arm_result simulate_arm(const model& m, std::uint64_t seed, std::uint32_t replication, arm a,
                        const replication_options& options) {
    return detail::simulator(m, seed, replication, a, options).run();
}

replication_result simulate_replication(const model& m, std::uint64_t seed, std::uint32_t replication,
                                        const replication_options& options) {
    replication_result r;
    r.replication = replication;
    // The population is built once and copied into the second arm while it is small (a few MiB:
    // about 60,000 families of three); above that the copy would double the engine's largest
    // arrays for the first arm's run, so each arm builds its own (docs/performance.md).
    constexpr std::size_t share_below_bytes = std::size_t{4} << 20;
    std::optional<detail::simulator> bau(std::in_place, m, seed, replication, arm::bau, options);
    bau->populate();
    bool share = bau->population_bytes() <= share_below_bytes;
    if (share) {
        bau->draw_first_clocks();  // shared too
        // With a warm-up the arms part only at its end: the copy is made there (the warm-up's end
        // popped, not yet handled), unless the warm-up grew the population past the copy's limit.
        share = !bau->run_warmup() || bau->population_bytes() <= share_below_bytes;
    }
    if (share) {
        detail::simulator solution(*bau, arm::solution);
        r.arms[0] = bau->finish();
        bau.reset();
        r.arms[1] = solution.finish();
    } else {
        r.arms[0] = bau->finish();
        bau.reset();
        r.arms[1] = simulate_arm(m, seed, replication, arm::solution, options);
    }
    return r;
}

}  // namespace tvaer
