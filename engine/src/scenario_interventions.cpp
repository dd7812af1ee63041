// Interventions and effects: reading and value checks.
#include "scenario_checks.hpp"
#include "scenario_read.hpp"
#include "tvaer/intervention.hpp"

namespace tvaer::detail {

namespace {

authority read_authority(reader& r, std::string_view key) {
    return r.choice(key, {{"solution", authority::solution}, {"shared", authority::shared}, {"sector", authority::sector}},
                    authority::sector);
}

}  // namespace

std::vector<effect> read_effects(reader& r, const std::string* default_track) {
    std::vector<effect> out;
    for (reader e : r.tables("effects")) {
        effect ef;
        ef.track = default_track != nullptr ? e.string("track", *default_track) : e.string("track");
        ef.from = e.string("from");
        ef.to = e.string("to");
        ef.multiplier = e.number("multiplier");
        e.done();
        out.push_back(std::move(ef));
    }
    return out;
}

intervention read_intervention(reader r) {
    intervention iv;
    iv.name = r.string("name");
    iv.track = r.string("track");
    iv.request_on_entry = r.strings("request_on_entry");
    iv.ends_on_entry = r.strings("ends_on_entry");
    if (r.has("duration")) iv.duration = read_sojourn(r.table("duration"));
    else r.required_table("duration");
    iv.capacity = r.count("capacity", 0);
    iv.costs = read_costs(r);
    iv.effects = read_effects(r, &iv.track);
    iv.available = r.choice("available", {{"both", availability::both}, {"bau", availability::bau}, {"solution", availability::solution}},
                            availability::both);
    if (r.present("decision_delay")) {
        reader d = r.table("decision_delay");
        if (d.present("bau")) iv.decision_delay_bau = read_sojourn(d.table("bau"));
        if (d.present("solution")) iv.decision_delay_solution = read_sojourn(d.table("solution"));
        d.done();
    }
    iv.grants = read_authority(r, "grants");
    iv.pays = read_authority(r, "pays");
    if (r.present("pays_above_ceiling")) iv.pays_above_ceiling = read_authority(r, "pays_above_ceiling");
    for (const auto& [sector, share] : r.number_table("payment_key")) iv.payment_key[sector] = share;
    iv.inside_unit_budget = r.boolean("inside_unit_budget", false);
    iv.grant_share = r.number("grant_share", 1.0);
    iv.queue = read_queue(r, queue_discipline::fifo);
    iv.delivered_by = r.string("delivered_by", "sector");
    r.done();
    return iv;
}

queue_discipline read_queue(reader& r, queue_discipline fallback) {
    return r.choice("queue", {{"fifo", queue_discipline::fifo}, {"solution_first", queue_discipline::solution_first}},
                    fallback);
}

void validate_effects(const scenario& sc, const std::vector<effect>& effects, const std::string& w) {
    for (std::size_t e = 0; e < effects.size(); ++e) {
        const auto we = at(w, e);
        const auto& ef = effects[e];
        const track& et = known_track(sc, ef.track, we + ".track");
        require_known(state_names(et), ef.from, we + ".from", "state");
        require_known(state_names(et), ef.to, we + ".to", "state");
        require(ef.multiplier >= 0.0 && std::isfinite(ef.multiplier), we + ".multiplier",
                fmt::format("must be >= 0 and finite, got {}", ef.multiplier));
    }
}

void validate_intervention(const scenario& sc, const intervention& iv, const std::string& w) {
    const track& t = known_track(sc, iv.track, w + ".track");
    const auto names = state_names(t);
    require(!iv.request_on_entry.empty(), w + ".request_on_entry",
            "is empty: nothing would ever request this intervention (name the states whose entry requests it)");
    for (std::size_t i = 0; i < iv.request_on_entry.size(); ++i)
        require_known(names, iv.request_on_entry[i], at(w + ".request_on_entry", i), "state");
    for (std::size_t i = 0; i < iv.ends_on_entry.size(); ++i)
        require_known(names, iv.ends_on_entry[i], at(w + ".ends_on_entry", i), "state");
    iv.duration.validate(w + ".duration");
    if (iv.decision_delay_bau) iv.decision_delay_bau->validate(w + ".decision_delay.bau");
    if (iv.decision_delay_solution) iv.decision_delay_solution->validate(w + ".decision_delay.solution");
    validate_costs(sc, iv.costs, w + ".costs", &t);
    validate_effects(sc, iv.effects, w + ".effects");
    const bool shared = iv.pays == authority::shared || iv.pays_above_ceiling == authority::shared;
    if (shared) validate_key(sc, iv.payment_key, w + ".payment_key");
    require(iv.payment_key.empty() || shared, w + ".payment_key",
            "is only used with pays = \"shared\" (set pays = \"shared\" or remove the key)");
    require(!iv.pays_above_ceiling || (iv.grants != authority::sector && sc.org.ceiling > 0.0), w + ".pays_above_ceiling",
            "is only used when the solution grants it (grants = \"solution\" or \"shared\") and organisation.ceiling > 0");
    require(iv.delivered_by == "sector" || iv.delivered_by == "solution", w + ".delivered_by",
            fmt::format("must be 'sector' or 'solution', got '{}'", iv.delivered_by));
    validate_grant_share(sc, iv, w);
}

void read_grant_behaviour(reader& r, grant_behaviour& gb) {
    gb.propensity = r.number("grant_propensity", gb.propensity);
    gb.ceiling_on = r.choice("ceiling_on", {{"expected_cost", ceiling_basis::expected_cost}, {"grant", ceiling_basis::grant}},
                             gb.ceiling_on);
    gb.forum_review = r.number("forum_review", gb.forum_review);
    gb.payment_model = r.number("payment_model", gb.payment_model);
    gb.follow_up = r.number("follow_up", gb.follow_up);
}

void validate_grant_behaviour(const grant_behaviour& gb) {
    require(gb.propensity >= 1.0 && gb.propensity <= 10.0, "organisation.grant_propensity",
            fmt::format("must be a multiplier in [1, 10] (1: no effect), got {}", gb.propensity));
    require_share(gb.forum_review, "organisation.forum_review");
    require_share(gb.payment_model, "organisation.payment_model");
    require_share(gb.follow_up, "organisation.follow_up");
}

void validate_grant_share(const scenario& sc, const intervention& iv, const std::string& w) {
    const grant_behaviour& gb = sc.org.granting;
    validate_grant_behaviour(gb);  // first: the checks below use it
    require(gb.ceiling_on == ceiling_basis::expected_cost || !iv.pays_above_ceiling, w + ".pays_above_ceiling",
            "is decided per intervention from its expected cost; it cannot go with organisation.ceiling_on = \"grant\" "
            "(remove one of them)");
    require(iv.grant_share > 0.0 && iv.grant_share <= 1.0, w + ".grant_share",
            fmt::format("must be a share in (0, 1], got {}", iv.grant_share));
    if (!grantor_does_not_pay(iv, sc.org)) return;
    const double m = gb.multiplier(false);
    require(iv.grant_share * m <= 1.0 + 1e-12, w + ".grant_share",
            fmt::format("{} x the granting propensity {} (organisation.grant_propensity {}, less what the compensating "
                        "measures remove) is {}, above 1: the solution grants it while another budget pays, so it "
                        "grants a larger share of requests than the payer; set grant_share to at most {:.4g} or lower "
                        "the propensity", iv.grant_share, m, gb.propensity, iv.grant_share * m, 1.0 / m));
}

}  // namespace tvaer::detail
