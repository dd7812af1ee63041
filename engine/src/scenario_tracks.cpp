// Tracks, their states, transitions and costs: reading and value checks.
#include "scenario_checks.hpp"
#include "scenario_read.hpp"

namespace tvaer::detail {

std::vector<cost_rate> read_costs(reader& r) {
    std::vector<cost_rate> out;
    for (reader c : r.tables("costs")) {
        cost_rate cr;
        cr.sector = c.string("sector");
        cr.kind = c.choice("kind", {{"service", cost_kind::service}, {"transfer", cost_kind::transfer}}, cost_kind::service);
        cr.monthly = c.number("monthly", 0.0);
        cr.one_off = c.number("one_off", 0.0);
        cr.cpr_registered = c.boolean("cpr_registered", true);
        cr.benefit = c.string("benefit", "");
        cr.inside_unit_budget = c.boolean("inside_unit_budget", false);
        c.done();
        out.push_back(std::move(cr));
    }
    return out;
}

track read_track(reader r) {
    track t;
    t.name = r.string("name");
    for (reader s : r.tables("states", true)) {
        state st;
        st.name = s.string("name");
        for (reader tr : s.tables("transitions")) {
            transition x;
            x.to = tr.string("to");
            x.rate = tr.number("rate", 0.0);
            x.probability = tr.number("probability", 0.0);
            tr.done();
            st.transitions.push_back(std::move(x));
        }
        if (s.present("duration")) st.duration = read_sojourn(s.table("duration"));
        st.costs = read_costs(s);
        st.capacity = s.count("capacity", 0);
        st.when_full = s.string("when_full", "");
        if (s.present("queue")) st.queue = read_queue(s, queue_discipline::fifo);
        st.complexity = s.number("complexity", 0.0);
        s.done();
        t.states.push_back(std::move(st));
    }
    const auto names = state_names(t);
    t.initial.assign(t.states.size(), 0.0);
    for (const auto& [name, share] : r.number_table("initial")) {
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) {
            r.fail(r.key("initial") + "." + name, fmt::format("unknown name (expected one of: {})", fmt::join(names, ", ")));
        }
        t.initial[static_cast<std::size_t>(it - names.begin())] = share;
    }
    t.members = r.present("members") ? r.numbers("members") : std::vector<double>{0.0, 1.0};
    for (const auto& [name, share] : r.number_table("benefits")) {
        t.benefits.push_back(name);
        t.benefit_shares.push_back(share);
    }
    for (const auto& [band, share] : r.number_table("ages")) {
        t.age_bands.push_back(band);
        t.age_shares.push_back(share);
    }
    r.done();
    return t;
}

void validate_costs(const scenario& sc, const std::vector<cost_rate>& costs, const std::string& where, const track* tr) {
    for (std::size_t i = 0; i < costs.size(); ++i) {
        const auto w = at(where, i);
        require_known(sc.sectors, costs[i].sector, w + ".sector", "sector");
        require_amount(costs[i].monthly, w + ".monthly");
        require_amount(costs[i].one_off, w + ".one_off");
        if (!costs[i].benefit.empty()) {
            require(tr != nullptr && !tr->benefits.empty(), w + ".benefit", "this track has no benefit types");
            require_known(tr->benefits, costs[i].benefit, w + ".benefit", "benefit type");
        }
    }
}

void validate_track(const scenario& sc, const track& t, const std::string& w) {
    require(!t.states.empty(), w + ".states", "needs at least one state");
    require(t.states.size() <= 64, w + ".states", fmt::format("at most 64 states, got {}", t.states.size()));
    const auto names = state_names(t);
    validate_unique(names, w + ".states");
    require(t.initial.size() == t.states.size(), w + ".initial",
            fmt::format("needs one share per state ({}), got {}", t.states.size(), t.initial.size()));
    require_sums_to_one(t.initial, w + ".initial", [&](std::size_t i) { return w + ".initial." + names[i]; });
    require(!t.members.empty(), w + ".members", "needs P(n members) for n = 0, 1, ...");
    require_sums_to_one(t.members, w + ".members", [&](std::size_t i) { return at(w + ".members", i); });
    require(t.benefit_shares.size() == t.benefits.size(), w + ".benefits",
            fmt::format("needs one share per benefit type ({}), got {}", t.benefits.size(), t.benefit_shares.size()));
    require(t.benefits.size() <= 64, w + ".benefits", fmt::format("at most 64 benefit types, got {}", t.benefits.size()));
    validate_unique(t.benefits, w + ".benefits");
    if (!t.benefits.empty()) {
        require_sums_to_one(t.benefit_shares, w + ".benefits", [&](std::size_t i) { return w + ".benefits." + t.benefits[i]; });
    }
    for (std::size_t s = 0; s < t.states.size(); ++s) {
        const auto& st = t.states[s];
        const auto ws = item_path(w + ".states", st.name, s);
        if (st.duration) st.duration->validate(ws + ".duration");
        double psum = 0.0;
        for (std::size_t k = 0; k < st.transitions.size(); ++k) {
            const auto wt = at(ws + ".transitions", k);
            require_known(names, st.transitions[k].to, wt + ".to", "state");
            require(st.transitions[k].to != st.name, wt + ".to", "a state cannot move to itself");
            // A rate with a duration, or a probability without one, would be ignored.
            if (st.duration) {
                require_share(st.transitions[k].probability, wt + ".probability");
                require(st.transitions[k].rate == 0.0, wt + ".rate",
                        "is not used when the state has a duration: give a probability instead");
                psum += st.transitions[k].probability;
            } else {
                require_nonnegative(st.transitions[k].rate, wt + ".rate");
                require(st.transitions[k].probability == 0.0, wt + ".probability",
                        "is used only with the state's duration: give a rate per month, or a duration");
            }
        }
        if (st.duration && !st.transitions.empty()) {
            require(std::abs(psum - 1.0) < 1e-9, ws + ".transitions",
                    fmt::format("with a duration the probabilities must sum to 1, got {}", psum));
        }
        validate_costs(sc, st.costs, ws + ".costs", &t);
        if (st.capacity > 0) {
            require(!st.when_full.empty(), ws + ".when_full",
                    fmt::format("is required with a capacity ({}): the state a member goes to when every place is taken",
                                st.capacity));
        }
        if (st.queue) {
            require(st.capacity > 0, ws + ".queue",
                    "needs a capacity > 0 on the same state (a queue waits for its places)");
        }
        if (!st.when_full.empty()) {
            require(st.capacity > 0, ws + ".when_full", "needs a capacity > 0 on the same state");
            require_known(names, st.when_full, ws + ".when_full", "state");
            require(st.when_full != st.name, ws + ".when_full", "must be another state");
            const auto& other = t.states[static_cast<std::size_t>(std::find(names.begin(), names.end(), st.when_full) - names.begin())];
            require(other.capacity == 0, ws + ".when_full",
                    fmt::format("state '{}' has a capacity of its own; when_full must lead to a state without one", other.name));
        }
    }
}

}  // namespace tvaer::detail
