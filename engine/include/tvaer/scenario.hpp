#pragma once
/// The typed description of a scenario: what a planner writes in a TOML file, as plain data.
///
/// Names (sectors, tracks, states, interventions) are strings here; `compile()` in model.hpp
/// resolves them to indices once. `read_scenario()` reads a scenario document (document.hpp):
/// each concept's reader and value checks sit in one source file (engine/src/scenario_*.cpp,
/// sojourns in distributions.cpp, the refusion ladder in refusion.cpp). `validate()` checks every
/// value and throws scenario_error whose key path is spelt as the planner wrote it, list items
/// by name where they have one: `tracks.adult.states.out.transitions[0].rate`.
/// docs/scenario-format.md documents every field, its unit and its source in the report.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tvaer/distributions.hpp"
#include "tvaer/document.hpp"
#include "tvaer/refusion.hpp"
#include "tvaer/reimbursement.hpp"

namespace tvaer {

inline constexpr int scenario_schema_version = 1;
// The calendar years a scenario's `start_year` (the year of month 0) may name; the report's
// `--start-year` is checked against the same bounds (bindings: START_YEARS).
inline constexpr int first_start_year = 1900;
inline constexpr int last_start_year = 2200;

enum class cost_kind : std::uint8_t { service = 0, transfer = 1 };
/// The two arms of every comparison: business as usual and inside the cross-sector solution.
enum class arm : std::uint8_t { bau = 0, solution = 1 };
/// Who may receive an intervention: families treated as usual, families inside the solution, or both.
enum class availability : std::uint8_t { both, bau, solution };

/// A cost while a member is in a state or while an intervention is active.
struct cost_rate {
    std::string sector;          ///< the sector whose law grants it (the default payer)
    cost_kind kind = cost_kind::service;
    double monthly = 0.0;        ///< DKK per month
    double one_off = 0.0;        ///< DKK once, at entry or start
    bool cpr_registered = true;  ///< booked on the person's CPR number (report sec. 4.13: 80-90 %)
    std::string benefit;         ///< empty: every member; else only members with this benefit type
    /// Inside the unit's own budget when the family is inside the solution (Helsingør's "inde"
    /// items, report L3137-3167): recorded on the solution group's ledger line, used by the
    /// own_budget allocation rule with items = "inside".
    bool inside_unit_budget = false;
};

/// One destination of a state. With exponential clocks `rate` is per month (competing risks);
/// with a `sojourn` distribution on the state, `probability` is the destination share.
struct transition {
    std::string to;
    double rate = 0.0;
    double probability = 0.0;
};

/// How a capacity-limited intervention or state orders its queue (report sec. 4.10).
enum class queue_discipline : std::uint8_t { fifo, solution_first };

struct state {
    std::string name;
    std::vector<transition> transitions;
    std::optional<sojourn> duration;  ///< unset: competing exponential rates
    std::vector<cost_rate> costs;
    /// Places in this state at a time, both groups together (a municipality's own residential
    /// places, Helsingør, report L3171-3173, L5923-5927); 0 = unlimited.
    std::uint32_t capacity = 0;
    /// Where a member goes instead when every place is taken (required with a capacity): a
    /// state of the same track without a capacity of its own.
    std::string when_full{};
    /// Set: a member sent to when_full waits there for a place, in this order, and moves in when
    /// one frees while it is still in that spell (Helsingør's leaders prioritise the own places
    /// between solution and ordinary children, report L5923-5931). Unset: it stays in when_full.
    std::optional<queue_discipline> queue{};
    /// The state's weight in the family's complexity score (selection.score_per_sector and
    /// score_per_service give the score's other parts): a member in this state adds it (Assens ranks by the complexity of the child cases, report
    /// L2644-2646); >= 0 and finite, 0 = adds nothing.
    double complexity = 0.0;
};

/// A member type (adults, children) with its own state ladder.
struct track {
    std::string name;
    std::vector<state> states;
    std::vector<double> initial;          ///< share of members starting in each state
    std::vector<double> members;          ///< P(family has n members of this track), n = 0, 1, ...
    std::vector<std::string> benefits;    ///< benefit types (empty: none)
    std::vector<double> benefit_shares;   ///< share of members per benefit type
    /// Age bands "a-b" of the members at entry and their shares (ages.hpp); empty: no ages.
    std::vector<std::string> age_bands;
    std::vector<double> age_shares;
};

/// While an intervention is active, multiplies the hazard of `from -> to` on `track`. If the
/// track is the intervention's own, only the member who receives it is affected; otherwise
/// every family member on that track is.
struct effect {
    std::string track;
    std::string from;
    std::string to;
    double multiplier = 1.0;
};

/// Where the authority to grant sits (report Tabel 4.1): in the solution, shared, or in the sectors.
enum class authority : std::uint8_t { solution, shared, sector };

struct intervention {
    std::string name;
    std::string track;
    std::vector<std::string> request_on_entry;  ///< entering (or starting in) these states requests it
    std::vector<std::string> ends_on_entry;     ///< entering these states ends it early
    sojourn duration = sojourn::fixed(6.0);
    std::uint32_t capacity = 0;                 ///< concurrent slots; 0 = unlimited
    std::vector<cost_rate> costs;
    std::vector<effect> effects;
    availability available = availability::both;
    std::optional<sojourn> decision_delay_bau;       ///< request to start, business as usual
    std::optional<sojourn> decision_delay_solution;  ///< request to start, inside the solution
    authority grants = authority::sector;            ///< visitation authority inside the solution
    authority pays = authority::sector;              ///< payment obligation inside the solution
    /// Payment obligation inside the solution when the grant is above organisation.ceiling
    /// (Assens: the unit pays below 25,000 kr, the sectors by a key above, report L3036-3091);
    /// unset: `pays` whatever the amount.
    std::optional<authority> pays_above_ceiling;
    std::map<std::string, double> payment_key;       ///< sector -> share when pays (or pays_above_ceiling) == shared
    bool inside_unit_budget = false;                 ///< Helsingør's "inside" items (sec. 4.6 c)
    /// Share of its requests that lead to a grant when the budget that pays also decides (the
    /// sectors' own practice, both arms); 1: every request is granted. Inside the solution,
    /// organisation.grant_propensity raises it where the solution grants and does not pay.
    double grant_share = 1.0;
    queue_discipline queue = queue_discipline::fifo; ///< solution_first: solution families go ahead
    /// Who performs it inside the solution: "sector" (the sector's own services or providers) or
    /// "solution" (the unit's own performers, e.g. family therapists in Assens and Helsingør,
    /// report L1807-1812). Informational: it shows in tvaer.governance.governance_table.
    std::string delivered_by = "sector";
};

/// Selection of families into the solution (report sec. 4.2), evaluated when a family enters
/// the population (at t = 0 for the initial families).
enum class selection_rank { score, cost, duration };

/// "score", "cost" or "duration", as written in a scenario file.
[[nodiscard]] std::string_view rank_name(selection_rank r) noexcept;
/// selection.rank as written: `"duration"` for one key, `["score", "duration"]` for several.
[[nodiscard]] std::string rank_list(const std::vector<selection_rank>& rank);

struct selection {
    std::uint32_t capacity = 0;               ///< places in the solution (families); 0 = unlimited
    std::uint32_t min_sectors = 2;            ///< cases in at least this many sectors
    std::vector<std::string> include_benefits;  ///< empty: any; else an adult must have one of these
    std::vector<std::string> exclude_benefits;  ///< no adult may have one of these
    double motivated_share = 1.0;             ///< chance a family agrees to take part
    double score_per_sector = 1.0;            ///< Furesø complexity score: weight of a sector in contact
    double score_per_service = 1.0;           ///< ... and of a cost-bearing state or service
                                              ///< (plus each member's state::complexity)
    double score_min = 0.0;                   ///< selection band on the score
    double score_max = 1e300;
    std::optional<sojourn> stay;              ///< length of stay in the solution; unset: to the horizon
    /// Sectors in which a family must have a case, all of them (Assens: employment and children,
    /// report L2597-2602); empty: any sectors, as many as min_sectors.
    std::vector<std::string> require_sectors;
    /// Order of the waiting list at the start, by these keys in turn (a later key orders only the
    /// families equal on the ones before it), each highest first: "score" (the complexity score),
    /// "cost" (the currently most expensive families, Høje-Taastrup, report L6383-6385) or
    /// "duration" (the longest in a vulnerable position: the longest time a member has been in
    /// its current state with a cost, Assens, report L2644-2646). One to three distinct keys.
    std::vector<selection_rank> rank{selection_rank::score};
    /// Places per simulation year (the last value holds after it); empty: `capacity` throughout
    /// (Helsingør grew from 60 to 90-110 families, report L5747-5751).
    std::vector<double> capacity_by_year;
    /// Eligibility re-checked as families change: a family outside the solution is considered
    /// again whenever one of its members changes state, and a waiting family that is no longer
    /// eligible when its turn comes is passed over. false: considered once, at the start or on
    /// arrival.
    bool recheck = false;
    /// Age bands "a-b" (ages.hpp): a family is eligible only with a member whose age is in one of
    /// them; empty: any ages.
    std::vector<std::string> age_bands;
    /// Age band -> share of the places reserved for families with a member in that band while
    /// such a family waits (Høje-Taastrup: about a third with a young person aged 15-23, report
    /// L6395-6397); docs/scenario-format.md defines it exactly.
    std::vector<std::pair<std::string, double>> quota;
    /// Sector -> the most cases in it the solution holds at a time: members with a cost in the
    /// sector, counted when their family is admitted (Assens: about 75 child cases, report L4846).
    std::vector<std::pair<std::string, double>> case_capacity;
    /// The caseworkers' own caseloads taken into the solution at the start (Helsingør, report
    /// L2652-2664, L5838-5848): a share of the places at t = 0 goes to families that do not meet
    /// the criteria but have a case in each of `sectors`, before the waiting list is served; each
    /// keeps its place for `stay`, then gives it up to the waiting list unless it has come to
    /// meet the criteria. docs/scenario-format.md defines it exactly.
    struct inherited_cases {
        double share = 0.0;                ///< of the places at t = 0, rounded to whole families
        std::vector<std::string> sectors;  ///< sectors of the caseworkers' cases; empty: any case
        sojourn stay;                      ///< time until the case is swapped out
    };
    std::optional<inherited_cases> inherited;
};

/// Working hours in a full-time year [A]: 37 hours a week x 52 weeks, the gross norm. Net of
/// holidays it is about 1,650 hours, which would raise an hourly cost from a yearly salary by
/// about 17 %: the default hourly cost is a lower bound.
inline constexpr double working_hours_per_year = 1924.0;

/// A recurring meeting about each family inside the solution (report sec. 4.14): `participants`
/// staff of `sector` spend `hours` every `every_months` months. Booked as salary cost per family
/// and month inside the solution, participants x hours / every_months x hourly cost, on the ledger
/// line "coordination/<name>", paid by `sector`.
struct coordination_meeting {
    std::string name;
    double participants = 1.0;
    double hours = 1.0;
    double every_months = 1.0;
    std::string sector;                 ///< whose staff attend and whose budget pays
    std::optional<double> hourly_cost;  ///< DKK; unset: organisation.salary_per_fte_year / 1,924 hours [A]
};

/// What the amount ceiling is compared with: the intervention's expected cost (one decision per
/// intervention) or each grant's own amount, one-off plus monthly rate x its drawn duration.
enum class ceiling_basis : std::uint8_t { expected_cost, grant };

/// Who grants versus who pays as behaviour (report L478-496, L2780-2839): where the solution
/// grants an intervention (grants = "solution") that another budget pays, the incentive for
/// resource awareness is weaker, so it grants a larger share of requests: grant_share x (1 +
/// (propensity - 1) x the part of the excess that no compensating measure removes). Each
/// measure removes a share of the excess; the forum's review acts on grants above the ceiling.
/// The defaults change nothing (docs/model.md, "Who grants versus who pays as behaviour").
struct grant_behaviour {
    double propensity = 1.0;     ///< >= 1: 1 is no effect; [A] 1.0-1.5, no size is reported
    double forum_review = 1.0;   ///< share of the excess removed for grants above the ceiling (the payers decide in the forum)
    double payment_model = 0.0;  ///< share removed by a payment split fixed in advance
    double follow_up = 0.0;      ///< share removed by close economic follow-up
    ceiling_basis ceiling_on = ceiling_basis::expected_cost;

    /// The multiplier on grant_share for a grant the solution makes and does not pay, below or
    /// above the ceiling.
    [[nodiscard]] double multiplier(bool above_ceiling) const noexcept {
        const double kept = (1.0 - payment_model) * (1.0 - follow_up) * (above_ceiling ? 1.0 - forum_review : 1.0);
        return 1.0 + (propensity - 1.0) * kept;
    }
};

/// Staff of the solution (report sec. 4.9, Tabel 5.1) and how their salaries are financed.
struct organisation {
    std::string form = "unit";                  ///< "unit" or "network"
    double staff_fte = 0.0;
    /// Full-time staff per simulation year (the last value holds after it); empty: staff_fte
    /// throughout. Not together with staff_fte (Helsingør's unit was built up in steps from
    /// October 2017, report L5680-5682, L5736-5739).
    std::vector<double> staff_fte_by_year;
    double salary_per_fte_year = 580000.0;      ///< DKK; parameters.md sec. 4 [D]
    /// Families per FTE at most (0: no cap); limits the solution's places to floor(staff_fte *
    /// caseload). DS guidance: 20-30 child cases, 25-40 aktivitetsparate per caseworker [P §4].
    double caseload = 0.0;
    std::map<std::string, double> salary_key;   ///< sector -> share of the salaries
    /// Network organisation: decisions wait for the family's next network meeting, held every
    /// `meeting_every` months (0: no wait; Høje-Taastrup about every 3 months, L6315-6318).
    double meeting_every = 0.0;
    /// Amount ceiling on the solution's authority to grant (DKK, expected cost of a grant; 0:
    /// none; Assens 25,000 kr., L3036-3055). A grant above it waits for the sector heads' forum.
    double ceiling = 0.0;
    double forum_every = 1.0;  ///< months between forum meetings (Furesø: monthly, L4214)
    grant_behaviour granting;  ///< who grants versus who pays as behaviour (default: no effect)
    /// Hazard multipliers for every member of a family while it is inside the solution
    /// (e.g. better-matched help in a unit, report sec. 4.9). Default: none ("no effect").
    std::vector<effect> effects;
    /// Meetings about each family inside the solution, booked as salary cost (default: none).
    std::vector<coordination_meeting> coordination;

    /// Full-time staff in simulation year `year` (0-based): staff_fte_by_year's value for it, its
    /// last value after it, or staff_fte.
    [[nodiscard]] double staff_in_year(std::size_t year) const noexcept {
        if (staff_fte_by_year.empty()) return staff_fte;
        return staff_fte_by_year[std::min(year, staff_fte_by_year.size() - 1)];
    }
    /// Whether any year has staff (their salaries are booked on the "staff" line).
    [[nodiscard]] bool has_staff() const noexcept {
        return staff_fte > 0.0 || std::any_of(staff_fte_by_year.begin(), staff_fte_by_year.end(), [](double s) { return s > 0.0; });
    }
    /// DKK an hour of the staff attending `c`: its hourly_cost, else salary_per_fte_year / 1,924.
    [[nodiscard]] double hourly_cost(const coordination_meeting& c) const noexcept {
        return c.hourly_cost ? *c.hourly_cost : salary_per_fte_year / working_hours_per_year;
    }
    /// DKK per family and month inside the solution of `c`: participants x hours / every_months x hourly cost.
    [[nodiscard]] double monthly_cost(const coordination_meeting& c) const noexcept {
        return c.participants * c.hours / c.every_months * hourly_cost(c);
    }
};

/// The organisation a form stands for (docs/model.md, "Network versus unit"), before the keys a
/// file writes: "unit" is the default organisation (decisions at once, no coordination meetings
/// per family); "network" waits for the family's network meeting every 3 months (report
/// L6315-6318) and books a 2-hour meeting [A] of one caseworker of each of `sectors` every 3
/// months per family ("network_meeting_<sector>"). The scenario reader applies it; keys in the
/// file override it. Another form gives the default organisation with that form (validation
/// names it).
[[nodiscard]] organisation organisation_preset(const std::string& form, const std::vector<std::string>& sectors);

/// One family member given by the planner (population from a table instead of the generator).
struct member_row {
    std::uint32_t family = 0;  ///< rows of one family are consecutive
    std::string track;
    std::string state;
    std::string benefit;       ///< empty: none / the track has no benefit types
};

/// The mix of states the generated families at t = 0 start in (`population.initial`): each track's
/// `initial` shares, as arriving families, or the steady state of the open population that those
/// arrivals, the tracks' moves and `leave_rate` make (steady_state.hpp).
enum class initial_mix { tracks, steady_state };

/// Who is simulated: the generated or tabled initial families, and an open population's flows.
struct population {
    std::vector<member_row> table;        ///< non-empty: these families instead of the generator
    std::string table_file;               ///< `population.table` as written: rows come from the caller
    double arrivals_per_month = 0.0;      ///< new families, a Poisson process (report sec. 4.2: continuous intake)
    std::vector<double> arrival_months;   ///< and/or one family arriving at each of these times
    double leave_rate = 0.0;              ///< per family and month: moving away, death (all members leave)
    initial_mix initial = initial_mix::tracks;  ///< the first families' mix (arrivals always use `initial`)
    /// Months simulated under business as usual before month 0, a whole number of years (0: none).
    /// Nothing of the warm-up is reported and nobody is selected in it; both arms start the
    /// horizon from the same warmed-up population (docs/model.md, "Warm-up").
    double warmup_months = 0.0;
};

struct scenario {
    int schema_version = scenario_schema_version;
    std::string name = "scenario";
    double horizon_months = 60.0;               ///< a whole number of months
    double discount_rate = 0.0;                 ///< per year, for present values
    std::vector<std::string> sectors;
    std::uint32_t families = 100;         ///< generated initial families (ignored with a table)
    population people;
    std::vector<track> tracks;
    std::vector<intervention> interventions;
    selection select;
    organisation org;
    refusion_ladder refusion;             ///< state reimbursement of benefits (empty: none)
    tvaer::reimbursement reimbursement;   ///< Serviceloven § 176 (empty: none; reimbursement.hpp)

    /// Throws scenario_error with the key path of the first problem found.
    void validate() const;
};

/// Supplies the rows of a population table file (`population.table`, as written in the scenario).
using table_reader = std::function<std::vector<member_row>(const std::string& file)>;

/// Reads and validates the scenario in `doc`. Every scenario_error names the origin of the bad
/// value (file, line and column, or the override that wrote it) and its key path. A population
/// table is read by `read_table`; without one a scenario that names a table is refused.
scenario read_scenario(const document& doc, const table_reader& read_table = {});

/// Reads, parses and validates a scenario file (document::load, read_scenario).
scenario load_scenario(const std::filesystem::path& file, const table_reader& read_table = {});

}  // namespace tvaer
