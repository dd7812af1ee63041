#include "tvaer/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>

#include "tvaer/error.hpp"

namespace tvaer {

namespace {

std::string at(const std::string& base, std::size_t i) { return fmt::format("{}[{}]", base, i); }

void require(bool ok, const std::string& where, const std::string& message) {
    if (!ok) throw scenario_error(where, message);
}

void require_nonnegative(double v, const std::string& where) {
    require(v >= 0.0 && std::isfinite(v), where, fmt::format("must be >= 0 and finite, got {}", v));
}

void require_share(double v, const std::string& where) {
    require(v >= 0.0 && v <= 1.0, where, fmt::format("must be a share in [0, 1], got {}", v));
}

void require_sums_to_one(const std::vector<double>& shares, const std::string& where) {
    double sum = 0.0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
        require_share(shares[i], at(where, i));
        sum += shares[i];
    }
    require(std::abs(sum - 1.0) < 1e-9, where, fmt::format("shares must sum to 1, got {}", sum));
}

template <class Names>
void require_known(const Names& names, const std::string& name, const std::string& where, const char* what) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
        throw scenario_error(where, fmt::format("unknown {} '{}' (known: {})", what, name, fmt::join(names, ", ")));
    }
}

std::vector<std::string> state_names(const track& t) {
    std::vector<std::string> out;
    for (const auto& s : t.states) out.push_back(s.name);
    return out;
}

const track* find_track(const scenario& sc, const std::string& name) {
    for (const auto& t : sc.tracks)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<std::string> track_names(const scenario& sc) {
    std::vector<std::string> out;
    for (const auto& t : sc.tracks) out.push_back(t.name);
    return out;
}

void validate_costs(const scenario& sc, const std::vector<cost_rate>& costs, const std::string& where,
                    const track* tr) {
    for (std::size_t i = 0; i < costs.size(); ++i) {
        const auto w = at(where, i);
        require_known(sc.sectors, costs[i].sector, w + ".sector", "sector");
        require_nonnegative(costs[i].monthly, w + ".monthly");
        require_nonnegative(costs[i].one_off, w + ".one_off");
        if (!costs[i].benefit.empty()) {
            require(tr != nullptr && !tr->benefits.empty(), w + ".benefit", "this track has no benefit types");
            require_known(tr->benefits, costs[i].benefit, w + ".benefit", "benefit type");
        }
    }
}

void validate_key(const scenario& sc, const std::map<std::string, double>& key, const std::string& where) {
    double sum = 0.0;
    for (const auto& [sector, share] : key) {
        require_known(sc.sectors, sector, where + "." + sector, "sector");
        require_share(share, where + "." + sector);
        sum += share;
    }
    require(std::abs(sum - 1.0) < 1e-9, where, fmt::format("shares must sum to 1, got {}", sum));
}

void validate_unique(const std::vector<std::string>& names, const std::string& where) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
        require(!names[i].empty(), at(where, i), "must not be empty");
        require(seen.insert(names[i]).second, at(where, i), fmt::format("duplicate name '{}'", names[i]));
    }
}

void validate_track(const scenario& sc, const track& t, const std::string& w) {
    require(!t.states.empty(), w + ".states", "needs at least one state");
    require(t.states.size() <= 64, w + ".states", fmt::format("at most 64 states, got {}", t.states.size()));
    const auto names = state_names(t);
    validate_unique(names, w + ".states");
    require(t.initial.size() == t.states.size(), w + ".initial",
            fmt::format("needs one share per state ({}), got {}", t.states.size(), t.initial.size()));
    require_sums_to_one(t.initial, w + ".initial");
    require(!t.members.empty(), w + ".members", "needs P(n members) for n = 0, 1, ...");
    require_sums_to_one(t.members, w + ".members");
    require(t.benefit_shares.size() == t.benefits.size(), w + ".benefit_shares",
            fmt::format("needs one share per benefit type ({}), got {}", t.benefits.size(), t.benefit_shares.size()));
    if (!t.benefits.empty()) require_sums_to_one(t.benefit_shares, w + ".benefit_shares");
    require(t.benefits.size() <= 64, w + ".benefits", fmt::format("at most 64 benefit types, got {}", t.benefits.size()));
    for (std::size_t s = 0; s < t.states.size(); ++s) {
        const auto& st = t.states[s];
        const auto ws = at(w + ".states", s);
        if (st.duration) st.duration->validate(ws + ".duration");
        double psum = 0.0;
        for (std::size_t k = 0; k < st.transitions.size(); ++k) {
            const auto wt = at(ws + ".transitions", k);
            require_known(names, st.transitions[k].to, wt + ".to", "state");
            require(st.transitions[k].to != st.name, wt + ".to", "a state cannot move to itself");
            if (st.duration) {
                require_share(st.transitions[k].probability, wt + ".probability");
                psum += st.transitions[k].probability;
            } else {
                require_nonnegative(st.transitions[k].rate, wt + ".rate");
            }
        }
        if (st.duration && !st.transitions.empty()) {
            require(std::abs(psum - 1.0) < 1e-9, ws + ".transitions",
                    fmt::format("with a duration the probabilities must sum to 1, got {}", psum));
        }
        validate_costs(sc, st.costs, ws + ".costs", &t);
    }
}

void validate_effects(const scenario& sc, const std::vector<effect>& effects, const std::string& w) {
    for (std::size_t e = 0; e < effects.size(); ++e) {
        const auto we = at(w, e);
        const auto& ef = effects[e];
        const track* et = find_track(sc, ef.track);
        if (et == nullptr) require_known(track_names(sc), ef.track, we + ".track", "track");
        require_known(state_names(*et), ef.from, we + ".from", "state");
        require_known(state_names(*et), ef.to, we + ".to", "state");
        require(ef.multiplier >= 0.0 && std::isfinite(ef.multiplier), we + ".multiplier",
                fmt::format("must be >= 0 and finite, got {}", ef.multiplier));
    }
}

void validate_intervention(const scenario& sc, const intervention& iv, const std::string& w) {
    const track* t = find_track(sc, iv.track);
    if (t == nullptr) require_known(track_names(sc), iv.track, w + ".track", "track");
    const auto names = state_names(*t);
    for (std::size_t i = 0; i < iv.request_on_entry.size(); ++i)
        require_known(names, iv.request_on_entry[i], at(w + ".request_on_entry", i), "state");
    for (std::size_t i = 0; i < iv.ends_on_entry.size(); ++i)
        require_known(names, iv.ends_on_entry[i], at(w + ".ends_on_entry", i), "state");
    iv.duration.validate(w + ".duration");
    if (iv.decision_delay_bau) iv.decision_delay_bau->validate(w + ".decision_delay_bau");
    if (iv.decision_delay_solution) iv.decision_delay_solution->validate(w + ".decision_delay_solution");
    validate_costs(sc, iv.costs, w + ".costs", t);
    validate_effects(sc, iv.effects, w + ".effects");
    if (iv.pays == authority::shared) validate_key(sc, iv.payment_key, w + ".payment_key");
    require(iv.delivered_by == "sector" || iv.delivered_by == "solution", w + ".delivered_by",
            fmt::format("must be 'sector' or 'solution', got '{}'", iv.delivered_by));
}

void validate_population(const scenario& sc, const population& p) {
    require(p.arrivals_per_month >= 0.0 && std::isfinite(p.arrivals_per_month), "population.arrivals_per_month",
            fmt::format("must be >= 0 and finite, got {}", p.arrivals_per_month));
    require(p.leave_rate >= 0.0 && std::isfinite(p.leave_rate), "population.leave_rate",
            fmt::format("must be >= 0 and finite, got {}", p.leave_rate));
    for (std::size_t i = 0; i < p.arrival_months.size(); ++i) {
        const double t = p.arrival_months[i];
        require(t >= 0.0 && t <= sc.horizon_months, at("population.arrival_months", i),
                fmt::format("must be a time in [0, horizon_months = {}], got {}", sc.horizon_months, t));
    }
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < p.table.size(); ++i) {
        const auto& row = p.table[i];
        const auto w = at("population.table", i);
        if (i > 0 && row.family != p.table[i - 1].family) {
            require(seen.count(row.family) == 0, w + ".family",
                    fmt::format("rows of family {} must be consecutive", row.family));
        }
        seen.insert(row.family);
        const track* t = find_track(sc, row.track);
        if (t == nullptr) require_known(track_names(sc), row.track, w + ".track", "track");
        require_known(state_names(*t), row.state, w + ".state", "state");
        if (!t->benefits.empty()) require_known(t->benefits, row.benefit, w + ".benefit", "benefit type");
        else require(row.benefit.empty(), w + ".benefit", fmt::format("track '{}' has no benefit types", row.track));
    }
}

}  // namespace

void scenario::validate() const {
    require(schema_version == scenario_schema_version, "schema_version",
            fmt::format("this tvaer reads schema version {}, got {}", scenario_schema_version, schema_version));
    require(horizon_months >= 1.0 && horizon_months <= 1200.0 && std::floor(horizon_months) == horizon_months,
            "horizon_months", fmt::format("must be a whole number of months in [1, 1200], got {}", horizon_months));
    require(discount_rate > -1.0 && discount_rate < 1.0, "discount_rate",
            fmt::format("must be a yearly rate in (-1, 1), got {}", discount_rate));
    require(!sectors.empty(), "sectors", "needs at least one sector");
    require(sectors.size() <= 32, "sectors", fmt::format("at most 32 sectors, got {}", sectors.size()));
    validate_unique(sectors, "sectors");
    // Family numbers are 24 bits in the engine's member records (simulator.hpp).
    require(families >= 1 && families <= 16'777'216u, "families", fmt::format("must be in [1, 16777216], got {}", families));
    require(!tracks.empty(), "tracks", "needs at least one track");
    require(tracks.size() <= 16, "tracks", fmt::format("at most 16 tracks, got {}", tracks.size()));
    std::vector<std::string> tnames = track_names(*this);
    validate_unique(tnames, "tracks");
    for (std::size_t i = 0; i < tracks.size(); ++i) validate_track(*this, tracks[i], at("tracks", i));
    validate_population(*this, people);
    require(interventions.size() <= 64, "interventions", fmt::format("at most 64, got {}", interventions.size()));
    std::vector<std::string> inames;
    for (const auto& iv : interventions) inames.push_back(iv.name);
    validate_unique(inames, "interventions");
    for (std::size_t i = 0; i < interventions.size(); ++i)
        validate_intervention(*this, interventions[i], at("interventions", i));
    require_share(select.motivated_share, "selection.motivated_share");
    require(select.score_min <= select.score_max, "selection.score_max",
            fmt::format("must be >= score_min ({}), got {}", select.score_min, select.score_max));
    if (select.stay) select.stay->validate("selection.stay");
    require(org.form == "unit" || org.form == "network", "organisation.form",
            fmt::format("must be 'unit' or 'network', got '{}'", org.form));
    require_nonnegative(org.staff_fte, "organisation.staff_fte");
    require_nonnegative(org.salary_per_fte_year, "organisation.salary_per_fte_year");
    if (org.staff_fte > 0.0) validate_key(*this, org.salary_key, "organisation.salary_key");
    validate_effects(*this, org.effects, "organisation.effects");
    refusion.validate("refusion");
    require_nonnegative(org.meeting_every, "organisation.meeting_every");
    require_nonnegative(org.caseload, "organisation.caseload");
    require_nonnegative(org.ceiling, "organisation.ceiling");
    require(org.forum_every > 0.0 && std::isfinite(org.forum_every), "organisation.forum_every",
            fmt::format("must be > 0 and finite, got {}", org.forum_every));
}

}  // namespace tvaer
