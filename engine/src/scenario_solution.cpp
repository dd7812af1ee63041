// The solution: selection of families into it and its organisation (staff, salaries, meetings,
// ceiling, effects). Reading and value checks.
#include "scenario_checks.hpp"
#include "scenario_read.hpp"
#include "tvaer/ages.hpp"

namespace tvaer::detail {

namespace {

selection::inherited_cases read_inherited(reader r) {
    selection::inherited_cases h;
    h.share = r.number("share");
    h.sectors = r.strings("sectors");
    if (r.present("stay")) {
        h.stay = read_sojourn(r.table("stay"));
    } else {
        r.require("stay", "a distribution: the time until an inherited case is swapped out");
    }
    r.done();
    return h;
}

}  // namespace

selection read_selection(reader r) {
    selection s;
    s.capacity = r.count("capacity", 0);
    s.min_sectors = r.count("min_sectors", 2);
    s.include_benefits = r.strings("include_benefits");
    s.exclude_benefits = r.strings("exclude_benefits");
    s.motivated_share = r.number("motivated_share", 1.0);
    s.score_per_sector = r.number("score_per_sector", 1.0);
    s.score_per_service = r.number("score_per_service", 1.0);
    s.score_min = r.number("score_min", 0.0);
    s.score_max = r.number("score_max", 1e300);
    if (r.present("stay")) s.stay = read_sojourn(r.table("stay"));
    s.require_sectors = r.strings("require_sectors");
    s.rank = r.choices("rank", {{"score", selection_rank::score}, {"cost", selection_rank::cost}, {"duration", selection_rank::duration}}, s.rank);
    s.capacity_by_year = r.numbers("capacity_by_year");
    s.recheck = r.boolean("recheck", false);
    s.age_bands = r.strings("age_bands");
    s.quota = r.number_table("quota");
    s.case_capacity = r.number_table("case_capacity");
    if (r.present("inherited")) s.inherited = read_inherited(r.table("inherited"));
    r.done();
    return s;
}

namespace {

coordination_meeting read_coordination(reader c) {
    coordination_meeting m;
    m.name = c.string("name");
    m.participants = c.number("participants");
    m.hours = c.number("hours");
    m.every_months = c.number("every_months");
    m.sector = c.string("sector");
    if (c.present("hourly_cost")) m.hourly_cost = c.number("hourly_cost");
    c.done();
    return m;
}

}  // namespace

organisation read_organisation(reader r, const std::vector<std::string>& sectors) {
    // The form's preset gives the defaults; every key written in the file wins over it.
    organisation o = organisation_preset(r.string("form", "unit"), sectors);
    o.staff_fte = r.number("staff_fte", o.staff_fte);
    o.staff_fte_by_year = r.numbers("staff_fte_by_year");
    o.salary_per_fte_year = r.number("salary_per_fte_year", o.salary_per_fte_year);
    o.caseload = r.number("caseload", o.caseload);
    for (const auto& [sector, share] : r.number_table("salary_key")) o.salary_key[sector] = share;
    if (r.present("effects")) o.effects = read_effects(r, nullptr);
    o.meeting_every = r.number("meeting_every", o.meeting_every);
    o.ceiling = r.number("ceiling", o.ceiling);
    o.forum_every = r.number("forum_every", o.forum_every);
    read_grant_behaviour(r, o.granting);
    if (r.present("coordination")) {  // a list written in the file replaces the preset's, even an empty one
        o.coordination.clear();
        for (reader c : r.tables("coordination")) o.coordination.push_back(read_coordination(std::move(c)));
    }
    r.done();
    return o;
}

namespace {

// Each benefit named in include_benefits / exclude_benefits must be a benefit type of some
// track: a misspelt name would otherwise admit nobody (include) or exclude nobody (exclude).
void validate_benefit_names(const scenario& sc, const std::vector<std::string>& names, const std::string& where) {
    std::vector<std::string> known;
    for (const auto& t : sc.tracks) known.insert(known.end(), t.benefits.begin(), t.benefits.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (known.empty()) throw scenario_error(at(where, i), fmt::format("no track has benefit types, got '{}'", names[i]));
        require_known(known, names[i], at(where, i), "benefit type");
    }
}

void validate_coordination(const scenario& sc, const std::vector<coordination_meeting>& meetings) {
    std::vector<std::string> names;
    for (const auto& c : meetings) names.push_back(c.name);
    validate_unique(names, "organisation.coordination");
    for (std::size_t i = 0; i < meetings.size(); ++i) {
        const coordination_meeting& c = meetings[i];
        const std::string w = item_path("organisation.coordination", c.name, i);
        require(c.participants > 0.0 && c.participants <= 1e4, w + ".participants",
                fmt::format("must be a number of staff in (0, 10000], got {}", c.participants));
        require(c.hours >= 0.0 && c.hours <= 744.0, w + ".hours",
                fmt::format("must be hours in [0, 744] (a month), got {}", c.hours));
        require(c.every_months > 0.0 && std::isfinite(c.every_months), w + ".every_months",
                fmt::format("must be > 0 and finite, got {}", c.every_months));
        require_known(sc.sectors, c.sector, w + ".sector", "sector");
        if (c.hourly_cost) require_amount(*c.hourly_cost, w + ".hourly_cost");
    }
}

// A list by simulation year has at most one value per year of the horizon (a value for a year
// that is not simulated is a mistake; fewer values: the last holds after them).
void require_within_horizon(const scenario& sc, const std::vector<double>& by_year, const std::string& where) {
    const auto years = static_cast<std::size_t>(std::ceil(sc.horizon_months / 12.0));
    require(by_year.size() <= years, where,
            fmt::format("has {} values, more than the {} years of horizon_months ({})", by_year.size(), years,
                        sc.horizon_months));
}

// selection.rank: one to three distinct keys. State complexity weights are read only by the
// score, so a scenario that gives some must rank or select by the score (else they would
// silently do nothing).
void validate_rank(const scenario& sc) {
    const auto& rank = sc.select.rank;
    require(!rank.empty(), "selection.rank", "must name at least one order (score, cost or duration), got an empty list");
    for (std::size_t i = 0; i < rank.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            require(rank[j] != rank[i], at("selection.rank", i), fmt::format("'{}' is already in the list", rank_name(rank[i])));
        }
    }
    const bool reads_score = std::find(rank.begin(), rank.end(), selection_rank::score) != rank.end() ||
                             sc.select.score_min != 0.0 || sc.select.score_max < 1e300;
    for (std::size_t t = 0; t < sc.tracks.size(); ++t) {
        const auto& states = sc.tracks[t].states;
        for (std::size_t s = 0; s < states.size(); ++s) {
            const double w = states[s].complexity;
            const std::string where = item_path(item_path("tracks", sc.tracks[t].name, t) + ".states", states[s].name, s) + ".complexity";
            require(w >= 0.0 && std::isfinite(w), where, fmt::format("must be a weight >= 0 and finite, got {}", w));
            require(w == 0.0 || reads_score, where,
                    fmt::format("is a weight in the complexity score, which this scenario neither ranks by (selection.rank "
                                "= {}) nor selects by (selection.score_min, score_max): add \"score\" to selection.rank",
                                rank_list(rank)));
        }
    }
}

void validate_staff_by_year(const scenario& sc) {
    const organisation& org = sc.org;
    for (std::size_t i = 0; i < org.staff_fte_by_year.size(); ++i) {
        const double s = org.staff_fte_by_year[i];
        require(s >= 0.0 && s <= 1e5, at("organisation.staff_fte_by_year", i),
                fmt::format("must be a number of full-time staff in [0, 100000], got {}", s));
    }
    require_within_horizon(sc, org.staff_fte_by_year, "organisation.staff_fte_by_year");
    require(org.staff_fte_by_year.empty() || org.staff_fte == 0.0, "organisation.staff_fte_by_year",
            fmt::format("give organisation.staff_fte ({}) or staff_fte_by_year, not both", org.staff_fte));
}

// selection.inherited takes a share of a number of places: the places must be limited.
void validate_inherited(const scenario& sc) {
    const auto& h = *sc.select.inherited;
    require_share(h.share, "selection.inherited.share");
    for (std::size_t i = 0; i < h.sectors.size(); ++i) {
        require_known(sc.sectors, h.sectors[i], at("selection.inherited.sectors", i), "sector");
    }
    validate_unique(h.sectors, "selection.inherited.sectors");
    h.stay.validate("selection.inherited.stay");
    require(sc.select.capacity > 0 || !sc.select.capacity_by_year.empty(), "selection.inherited",
            "needs a number of places to take a share of (selection.capacity or capacity_by_year), got unlimited places");
}

}  // namespace

void validate_solution(const scenario& sc) {
    const selection& select = sc.select;
    const organisation& org = sc.org;
    validate_benefit_names(sc, select.include_benefits, "selection.include_benefits");
    validate_benefit_names(sc, select.exclude_benefits, "selection.exclude_benefits");
    require_share(select.motivated_share, "selection.motivated_share");
    require(std::isfinite(select.score_per_sector), "selection.score_per_sector", fmt::format("must be finite, got {}", select.score_per_sector));
    require(std::isfinite(select.score_per_service), "selection.score_per_service", fmt::format("must be finite, got {}", select.score_per_service));
    require(!std::isnan(select.score_min), "selection.score_min", "must be a number, got nan");
    require(select.score_min <= select.score_max, "selection.score_max",
            fmt::format("must be >= score_min ({}), got {}", select.score_min, select.score_max));
    if (select.stay) select.stay->validate("selection.stay");
    validate_rank(sc);
    for (std::size_t i = 0; i < select.require_sectors.size(); ++i) {
        require_known(sc.sectors, select.require_sectors[i], at("selection.require_sectors", i), "sector");
    }
    validate_unique(select.require_sectors, "selection.require_sectors");
    require_within_horizon(sc, select.capacity_by_year, "selection.capacity_by_year");
    for (std::size_t i = 0; i < select.capacity_by_year.size(); ++i) {
        const double c = select.capacity_by_year[i];
        require(c >= 1.0 && c <= 4294967295.0 && c == std::floor(c), at("selection.capacity_by_year", i),
                fmt::format("must be a whole number of places in [1, 4294967295], got {}", c));
    }
    for (const auto& [sector, cap] : select.case_capacity) {
        const std::string w = "selection.case_capacity." + sector;
        require_known(sc.sectors, sector, w, "sector");
        require(cap >= 1.0 && cap <= 4294967295.0 && cap == std::floor(cap), w,
                fmt::format("must be a whole number of cases in [1, 4294967295], got {}", cap));
    }
    require(select.case_capacity.size() <= 32, "selection.case_capacity", "at most one cap per sector");
    if (select.inherited) validate_inherited(sc);
    require(select.capacity_by_year.empty() || select.capacity == 0, "selection.capacity_by_year",
            fmt::format("give selection.capacity ({}) or capacity_by_year, not both", select.capacity));
    require(org.form == "unit" || org.form == "network", "organisation.form",
            fmt::format("must be 'unit' or 'network', got '{}'", org.form));
    require(org.staff_fte >= 0.0 && org.staff_fte <= 1e5, "organisation.staff_fte",
            fmt::format("must be a number of full-time staff in [0, 100000], got {}", org.staff_fte));
    validate_staff_by_year(sc);
    require_amount(org.salary_per_fte_year, "organisation.salary_per_fte_year");
    if (org.has_staff() || !org.salary_key.empty()) validate_key(sc, org.salary_key, "organisation.salary_key");
    validate_effects(sc, org.effects, "organisation.effects");
    require_nonnegative(org.meeting_every, "organisation.meeting_every");
    require_nonnegative(org.caseload, "organisation.caseload");
    // The places staff can hold are a 32-bit count in the compiled model.
    double most_staff = org.staff_fte;
    for (double s : org.staff_fte_by_year) most_staff = std::max(most_staff, s);
    require(most_staff * org.caseload <= 4294967295.0, "organisation.caseload",
            fmt::format("staff_fte ({}) x caseload ({}) must be at most 4294967295 places", most_staff, org.caseload));
    require_nonnegative(org.ceiling, "organisation.ceiling");
    require(org.forum_every > 0.0 && std::isfinite(org.forum_every), "organisation.forum_every",
            fmt::format("must be > 0 and finite, got {}", org.forum_every));
    validate_coordination(sc, org.coordination);
    validate_ages(sc);
    validate_grant_behaviour(org.granting);
}

}  // namespace tvaer::detail

namespace tvaer {

std::string_view rank_name(selection_rank r) noexcept {
    switch (r) {
        case selection_rank::cost: return "cost";
        case selection_rank::duration: return "duration";
        case selection_rank::score: break;
    }
    return "score";
}

std::string rank_list(const std::vector<selection_rank>& rank) {
    std::vector<std::string> quoted;
    for (const auto r : rank) quoted.push_back(fmt::format("\"{}\"", rank_name(r)));
    return rank.size() == 1 ? quoted.front() : fmt::format("[{}]", fmt::join(quoted, ", "));
}

organisation organisation_preset(const std::string& form, const std::vector<std::string>& sectors) {
    organisation o;  // the unit: today's defaults, no meeting wait, no coordination per family
    o.form = form;
    if (form != "network") return o;
    o.meeting_every = 3.0;  // familieplansmøder about every 3 months (Høje-Taastrup, report L6315-6318)
    // One caseworker of each sector at each network meeting, 2 hours with preparation [A] 1-4.
    for (const auto& sector : sectors) {
        o.coordination.push_back(coordination_meeting{"network_meeting_" + sector, 1.0, 2.0, 3.0, sector, std::nullopt});
    }
    return o;
}

}  // namespace tvaer
