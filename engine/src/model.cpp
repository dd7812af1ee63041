#include "tvaer/model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>

#include "tvaer/error.hpp"
#include "tvaer/intervention.hpp"
#include "tvaer/steady_state.hpp"

#include "resolve.hpp"

namespace tvaer {

namespace {

using detail::index_of;
using detail::state_index;
using detail::track_index;

std::vector<double> cumulative(const std::vector<double>& shares) {
    std::vector<double> cdf(shares.size());
    double acc = 0.0;
    for (std::size_t i = 0; i < shares.size(); ++i) cdf[i] = (acc += shares[i]);
    if (!cdf.empty()) cdf.back() = 1.0;
    return cdf;
}

int benefit_index(const track* t, const std::string& name) {
    if (name.empty() || t == nullptr) return -1;
    return static_cast<int>(index_of(t->benefits, name));
}

const char* authority_name(authority a) {
    switch (a) {
        case authority::solution: return "solution";
        case authority::shared: return "shared";
        case authority::sector: return "sector";
    }
    return "sector";
}

class line_builder {
public:
    explicit line_builder(model& m) : m_(m) {}

    /// Adds the ledger lines of one cost for one treatment and returns how they are booked.
    void add(const cost_rate& c, const std::string& source, const std::string& kind, treatment group,
             const track* tr, const intervention* iv, std::vector<detail::booked_cost>& out) {
        ledger_line base;
        base.source = source;
        base.source_kind = kind;
        base.law_sector = index_of(m_.spec.sectors, c.sector);
        base.kind = c.kind;
        base.cpr_registered = c.cpr_registered;
        base.group = group;
        base.benefit = c.benefit;
        base.granted_by = "sector";
        const int benefit = benefit_index(tr, c.benefit);
        if (iv == nullptr || group == treatment::usual) {
            base.inside_unit_budget = iv == nullptr && group == treatment::solution && c.inside_unit_budget;
            base.payer = base.law_sector;
            push(base, c.monthly, c.one_off, benefit, out);
            return;
        }
        base.granted_by = authority_name(iv->grants);
        base.inside_unit_budget = iv->inside_unit_budget || c.inside_unit_budget;
        switch (detail::payer_inside(*iv, m_.spec.org)) {
            case authority::sector:
                base.payer = base.law_sector;
                push(base, c.monthly, c.one_off, benefit, out);
                break;
            case authority::solution:
                base.payer = m_.solution_budget();
                push(base, c.monthly, c.one_off, benefit, out);
                break;
            case authority::shared:
                for (const auto& [sector, share] : iv->payment_key) {
                    base.payer = index_of(m_.spec.sectors, sector);
                    push(base, c.monthly * share, c.one_off * share, benefit, out);
                }
                break;
        }
    }

    /// A line for the state's refund of the benefit booked on `benefit` (same payer, kind, cpr).
    std::uint32_t add_refusion(ledger_line benefit) {
        benefit.source += "/refusion";
        benefit.source_kind = "refusion";
        m_.lines.push_back(benefit);
        return static_cast<std::uint32_t>(m_.lines.size() - 1);
    }

private:
    void push(const ledger_line& line, double monthly, double one_off, int benefit,
              std::vector<detail::booked_cost>& out) {
        m_.lines.push_back(line);
        out.push_back({static_cast<std::uint32_t>(m_.lines.size() - 1), monthly, one_off, benefit});
    }
    model& m_;
};

// The states an effect acts in draw their weights through the effects (compiled_state::has_effects).
void mark_effects(model& m, const std::vector<detail::compiled_effect>& effects) {
    for (const auto& e : effects) m.tracks[e.track].states[e.from].has_effects = true;
}

// compiled_track::resolved_costs and cost_runs.
void resolve_costs(detail::compiled_track& ct, std::uint32_t benefit_types) {
    ct.benefit_types = benefit_types;
    for (const auto& cs : ct.states) {
        for (const auto& costs : cs.costs) {
            for (std::uint32_t b = 0; b < benefit_types; ++b) {
                ct.cost_runs.push_back(static_cast<std::uint32_t>(ct.resolved_costs.size()));
                const struct { std::uint32_t benefit; } member_of_type{b};
                for (const auto& bc : costs)
                    if (detail::applies_to(bc, member_of_type)) ct.resolved_costs.push_back(bc);
            }
        }
    }
    ct.cost_runs.push_back(static_cast<std::uint32_t>(ct.resolved_costs.size()));
}

// compiled_track::benefit_reach: the closure of each state's neighbours (at most 64 states).
std::uint64_t benefit_reach(const detail::compiled_track& ct) {
    const auto& states = ct.states;
    const std::size_t n = states.size();
    std::vector<std::uint64_t> next(n, 0);
    std::uint64_t on = 0;
    for (std::size_t s = 0; s < n; ++s) {
        next[s] |= std::uint64_t{1} << s;
        for (std::uint8_t d : states[s].dest) next[s] |= std::uint64_t{1} << d;
        if (states[s].capacity > 0) {
            next[s] |= std::uint64_t{1} << states[s].when_full;
            next[states[s].when_full] |= std::uint64_t{1} << s;
        }
        if (states[s].on_benefit) on |= std::uint64_t{1} << s;
    }
    std::uint64_t reach = 0;
    for (std::size_t s = 0; s < n; ++s) {
        std::uint64_t seen = next[s];
        for (std::uint64_t before = 0; seen != before;) {
            before = seen;
            for (std::uint64_t b = seen; b != 0; b &= b - 1) seen |= next[static_cast<std::size_t>(std::countr_zero(b))];
        }
        if ((seen & on) != 0) reach |= std::uint64_t{1} << s;
    }
    return reach;
}

void compile_tracks(model& m, line_builder& lines) {
    const scenario& sc = m.spec;
    for (std::size_t ti = 0; ti < sc.tracks.size(); ++ti) {
        const track& t = sc.tracks[ti];
        detail::compiled_track ct;
        ct.initial_cdf = cumulative(t.initial);
        ct.members_cdf = cumulative(t.members);
        int counts_possible = 0;  // member counts with a positive share; one: certain
        for (std::size_t n = 0; n < t.members.size(); ++n) {
            if (t.members[n] > 0.0) ++counts_possible, ct.certain_members = static_cast<int>(n);
        }
        if (counts_possible != 1) ct.certain_members = -1;
        ct.benefit_cdf = cumulative(t.benefit_shares);
        ct.ages = detail::compile_ages(t.age_bands, t.age_shares);
        m.has_ages = m.has_ages || !ct.ages.empty();
        for (const state& s : t.states) {
            detail::compiled_state cs;
            cs.exponential = !s.duration.has_value();
            cs.occupancy_row = static_cast<std::uint32_t>(m.occupancy_rows.size());
            m.occupancy_rows.push_back(t.name + "/" + s.name);
            cs.transition_row = static_cast<std::uint32_t>(m.transition_rows.size());
            for (const auto& tr : s.transitions) {
                cs.dest.push_back(state_index(t, tr.to));
                cs.base.push_back(cs.exponential ? tr.rate : tr.probability);
                m.transition_rows.push_back(t.name + "/" + s.name + "->" + tr.to);
            }
            for (double b : cs.base) cs.base_total += b;
            cs.duration = cs.exponential ? sojourn::exponential(1.0) : *s.duration;
            for (int g = 0; g < 2; ++g) {
                for (const auto& c : s.costs) {
                    lines.add(c, t.name + "/" + s.name, "state", static_cast<treatment>(g), &t, nullptr, cs.costs[g]);
                    if (c.kind == cost_kind::transfer && sc.refusion.enabled()) {
                        cs.costs[g].back().refusion_line = lines.add_refusion(m.lines[cs.costs[g].back().line]);
                        cs.on_benefit = true;
                    }
                }
            }
            for (const auto& c : s.costs) {
                cs.sectors |= 1u << index_of(sc.sectors, c.sector);
                if (c.one_off != 0.0) cs.has_one_off = true;
            }
            cs.services = static_cast<std::uint32_t>(s.costs.size());
            cs.complexity = s.complexity;
            cs.capacity = s.capacity;
            if (s.capacity > 0) {
                cs.when_full = state_index(t, s.when_full);
                m.capacity_states = true;
                if (s.queue) {
                    cs.queued = true;
                    cs.solution_first = *s.queue == queue_discipline::solution_first;
                    m.place_queues = true;
                }
            }
            ct.states.push_back(std::move(cs));
        }
        if (sc.people.initial == initial_mix::steady_state) {
            ct.stock_cdf = cumulative(steady_state_mix(ct, t.initial, sc.people.leave_rate));
        }
        resolve_costs(ct, static_cast<std::uint32_t>(std::max<std::size_t>(t.benefits.size(), 1)));
        if (sc.refusion.enabled()) ct.benefit_reach = benefit_reach(ct);
        m.tracks.push_back(std::move(ct));
    }
}

// Interventions (intervention.hpp): their own compilation, then their costs on ledger lines and
// their requests and effects on the states they concern.
void compile_interventions(model& m, line_builder& lines) {
    const scenario& sc = m.spec;
    for (std::size_t i = 0; i < sc.interventions.size(); ++i) {
        const intervention& iv = sc.interventions[i];
        detail::compiled_intervention ci = detail::compile_intervention(sc, i);
        const track& t = sc.tracks[ci.track];
        auto& states = m.tracks[ci.track].states;
        for (std::size_t s = 0; s < states.size(); ++s)
            if (ci.requested_in >> s & 1u) states[s].requests |= 1ull << i;
        for (int g = 0; g < 2; ++g) {
            for (const auto& c : iv.costs) {
                lines.add(c, "intervention/" + iv.name, "intervention", static_cast<treatment>(g), &t, &iv, ci.costs[g]);
            }
        }
        mark_effects(m, ci.effects);
        m.intervention_names.push_back(iv.name);
        m.interventions.push_back(std::move(ci));
    }
}

void compile_selection(model& m) {
    const scenario& sc = m.spec;
    m.include_benefits.resize(sc.tracks.size());
    m.exclude_benefits.resize(sc.tracks.size());
    for (std::size_t t = 0; t < sc.tracks.size(); ++t) {
        const auto& bs = sc.tracks[t].benefits;
        for (std::size_t b = 0; b < bs.size(); ++b) {
            const auto& inc = sc.select.include_benefits;
            const auto& exc = sc.select.exclude_benefits;
            if (std::find(inc.begin(), inc.end(), bs[b]) != inc.end()) m.include_benefits[t].push_back(static_cast<int>(b));
            if (std::find(exc.begin(), exc.end(), bs[b]) != exc.end()) m.exclude_benefits[t].push_back(static_cast<int>(b));
        }
    }
    for (const auto& e : sc.org.effects) m.solution_effects.push_back(detail::compile_effect(sc, e));
    mark_effects(m, m.solution_effects);
    for (const auto& b : sc.select.age_bands) m.age_bands.push_back(parse_age_band(b, "selection.age_bands"));
    for (const auto& [b, share] : sc.select.quota) m.quota.push_back({parse_age_band(b, "selection.quota"), share});
    for (const auto& [sector, cap] : sc.select.case_capacity) {
        m.case_caps.push_back({static_cast<std::uint32_t>(index_of(sc.sectors, sector)), static_cast<std::uint32_t>(cap)});
    }
}

void compile_population(model& m) {
    const scenario& sc = m.spec;
    m.initial_families = sc.families;
    if (sc.people.table.empty()) return;
    std::uint32_t family = 0;
    for (std::size_t i = 0; i < sc.people.table.size(); ++i) {
        const member_row& row = sc.people.table[i];
        if (i > 0 && row.family != sc.people.table[i - 1].family) ++family;
        const auto t = track_index(sc, row.track);
        const track& tr = sc.tracks[t];
        const int b = benefit_index(&tr, row.benefit);
        m.table.push_back({family, static_cast<std::uint8_t>(t), state_index(tr, row.state),
                           static_cast<std::uint8_t>(b < 0 ? 0 : b)});
    }
    m.initial_families = family + 1;
}

// Coordination meetings: salary time of a sector's staff per family inside the solution, on a
// line of their own, paid by that sector; not registered on a CPR number (a salary).
void compile_coordination(model& m) {
    const auto& org = m.spec.org;
    for (const auto& c : org.coordination) {
        ledger_line l;
        l.source = "coordination/" + c.name;
        l.source_kind = "coordination";
        l.law_sector = index_of(m.spec.sectors, c.sector);
        l.payer = l.law_sector;
        l.cpr_registered = false;
        l.group = treatment::solution;
        l.granted_by = "solution";
        m.coordination.push_back({static_cast<std::uint32_t>(m.lines.size()), org.monthly_cost(c)});
        m.lines.push_back(std::move(l));
    }
}

// The solution's places: selection.capacity (or capacity_by_year), each year's capped by that
// year's staff x organisation.caseload. Places vary by year when either list is given (a staff
// list only matters with a caseload); else model::capacity_by_year stays empty.
void compile_places(model& m) {
    const auto& org = m.spec.org;
    const auto& select = m.spec.select;
    const bool staff_by_year = !org.staff_fte_by_year.empty();
    const auto capped = [&](std::uint32_t places, double staff, std::size_t year) {
        // No staff modelled: no cap (a year without staff in a staff list has no place).
        if (!(org.caseload > 0.0 && (staff > 0.0 || staff_by_year))) return places;
        const auto by_staff = static_cast<std::uint32_t>(std::floor(staff * org.caseload));
        places = places == 0 ? by_staff : std::min(places, by_staff);
        if (places == 0) {
            throw scenario_error("organisation.caseload", fmt::format(
                "staff_fte ({}) x caseload ({}) leaves no place in the solution{}", staff, org.caseload,
                staff_by_year ? fmt::format(" in year {}", year + 1) : std::string{}));
        }
        return places;
    };
    const std::size_t years = std::max(select.capacity_by_year.size(),
                                       org.caseload > 0.0 ? org.staff_fte_by_year.size() : std::size_t{0});
    for (std::size_t y = 0; y < years; ++y) {
        const auto& cap = select.capacity_by_year;
        const double base = cap.empty() ? select.capacity : cap[std::min(y, cap.size() - 1)];
        m.capacity_by_year.push_back(capped(static_cast<std::uint32_t>(base), org.staff_in_year(y), y));
    }
    m.solution_capacity = m.capacity_by_year.empty() ? capped(select.capacity, org.staff_fte, 0) : m.capacity_by_year.front();
}

}  // namespace

model compile(scenario sc) {
    sc.validate();
    model m;
    m.spec = std::move(sc);
    m.months = static_cast<std::size_t>(m.spec.horizon_months);
    m.budgets = m.spec.sectors;
    m.budgets.push_back("solution");
    line_builder lines(m);
    compile_tracks(m, lines);
    compile_interventions(m, lines);
    compile_selection(m);
    compile_population(m);
    compile_places(m);
    for (const auto& s : m.spec.select.require_sectors) m.required_sectors |= 1u << index_of(m.spec.sectors, s);
    if (const auto& h = m.spec.select.inherited) {
        for (const auto& s : h->sectors) m.inherited_sectors |= 1u << index_of(m.spec.sectors, s);
    }
    m.solution_families_row = static_cast<std::uint32_t>(m.occupancy_rows.size());
    m.occupancy_rows.push_back("solution/families");
    if (m.spec.org.has_staff()) {
        ledger_line staff;
        staff.source = "staff";
        staff.source_kind = "staff";
        staff.law_sector = 0;
        staff.payer = m.solution_budget();
        staff.group = treatment::solution;
        staff.granted_by = "solution";
        staff.inside_unit_budget = true;
        m.staff_line = static_cast<std::uint32_t>(m.lines.size());
        m.has_staff = true;
        m.lines.push_back(staff);
    }
    compile_coordination(m);
    detail::compile_reimbursement(m);  // after every cost line: it covers some of them
    return m;
}

model compile(const document& doc, const table_reader& read_table) {
    return doc.located([&] { return compile(read_scenario(doc, read_table)); });
}

}  // namespace tvaer
