#pragma once
/// A validated scenario compiled to indices: what the simulation and the analytic mode run on.
///
/// Every krone is booked on a ledger line: one cost source (a state or an intervention, or the
/// solution's staff), the sector whose law grants it, the budget that pays it after the
/// scenario's governance, its cost kind, whether it is registered on a CPR number, and whether
/// it concerns families treated as usual or inside the solution. The paying budget is one of the
/// scenario's sectors or the solution's own budget, which has the index `sectors.size()` and the
/// name "solution". Allocation rules (allocation.hpp) move money between budgets afterwards.
#include <cstdint>
#include <string>
#include <vector>

#include "tvaer/ages.hpp"
#include "tvaer/costs.hpp"
#include "tvaer/distributions.hpp"
#include "tvaer/intervention.hpp"
#include "tvaer/reimbursement.hpp"
#include "tvaer/scenario.hpp"

namespace tvaer {

struct ledger_line {
    std::string source;       ///< "adults/trin1", "intervention/mentor", "staff", "coordination/network_meeting"
    std::string source_kind;  ///< "state", "intervention", "staff", "coordination", "refusion" or "reimbursement"
    std::uint32_t law_sector = 0;  ///< index into the scenario's sectors
    std::uint32_t payer = 0;       ///< index into budgets(): a sector or the solution's budget
    cost_kind kind = cost_kind::service;
    bool cpr_registered = true;
    treatment group = treatment::usual;
    bool inside_unit_budget = false;
    std::string benefit;      ///< empty: any member
    std::string granted_by;   ///< "sector", "shared" or "solution"
};

namespace detail {

struct compiled_state {
    bool exponential = true;
    sojourn duration = sojourn::exponential(1.0);
    std::vector<std::uint8_t> dest;   ///< destination state indices
    std::vector<double> base;         ///< rates (exponential) or probabilities
    double base_total = 0.0;          ///< sum of rates (exponential)
    std::vector<booked_cost> costs[2];  ///< by treatment
    std::uint64_t requests = 0;       ///< interventions requested on entry (bit per intervention)
    std::uint32_t sectors = 0;        ///< sectors with a cost in this state (bit per sector)
    std::uint32_t services = 0;       ///< number of cost lines (for the complexity score)
    double complexity = 0.0;          ///< its weight in the complexity score (state::complexity)
    bool has_effects = false;         ///< some intervention or the organisation changes its hazards
    bool on_benefit = false;          ///< has a refundable benefit (transfer) cost: counts benefit weeks
    bool has_one_off = false;         ///< some cost has a one-off amount on entry
    std::uint32_t occupancy_row = 0;
    std::uint32_t transition_row = 0;  ///< first row of this state's transitions
    std::uint32_t capacity = 0;        ///< places (0: unlimited), shared by both groups
    std::uint8_t when_full = 0;        ///< the state a member enters instead when no place is free
    bool queued = false;               ///< a member sent to when_full waits there for a place (tracks.states.queue)
    bool solution_first = false;       ///< ... and solution families go ahead
};

struct compiled_track {
    std::vector<compiled_state> states;
    std::vector<double> initial_cdf;
    /// The generated families at t = 0 (population.initial = "steady_state", steady_state.hpp);
    /// empty: initial_cdf, as arriving families.
    std::vector<double> stock_cdf;
    std::vector<double> members_cdf;
    std::vector<double> benefit_cdf;
    int certain_members = -1;  ///< the members a family has when only that count has a positive share
    compiled_ages ages;        ///< members' ages at entry (empty: no ages)
    /// Each state's costs (compiled_state::costs) by treatment and benefit type, those that apply
    /// to the type (costs.hpp, applies_to) in their order, one run after another: run
    /// (state * 2 + treatment) * benefit_types + benefit is cost_runs[run] .. cost_runs[run + 1]
    /// of resolved_costs. Booking a spell then tests nothing per cost.
    std::vector<booked_cost> resolved_costs;
    std::vector<std::uint32_t> cost_runs;
    std::uint32_t benefit_types = 1;  ///< the track's benefit types, at least 1
    /// Refusion only: bit s set when an on-benefit state can be reached from state s (by a
    /// transition, or between a state with places and its when_full state).
    std::uint64_t benefit_reach = 0;
};

/// An organisation.coordination meeting: its ledger line and its cost per family-month inside
/// the solution (organisation::monthly_cost).
struct coordination_cost {
    std::uint32_t line;
    double per_family_month;
};

/// A member of the planner's population table, resolved to indices.
struct table_member {
    std::uint32_t family;  ///< 0, 1, ... in order of appearance
    std::uint8_t track;
    std::uint8_t state;
    std::uint8_t benefit;
};

}  // namespace detail

struct model {
    scenario spec;
    std::size_t months = 0;
    std::vector<std::string> budgets;          ///< sectors, then "solution"
    std::vector<ledger_line> lines;
    std::vector<std::string> occupancy_rows;   ///< "track/state" rows, then "solution/families"
    std::vector<std::string> transition_rows;  ///< "track/from->to"
    std::vector<std::string> intervention_names;
    std::uint32_t solution_families_row = 0;
    std::uint32_t staff_line = 0;              ///< valid when has_staff
    bool has_staff = false;
    std::vector<detail::coordination_cost> coordination;  ///< organisation.coordination, in order
    std::vector<detail::compiled_track> tracks;
    std::vector<detail::compiled_intervention> interventions;  ///< intervention.hpp
    std::vector<detail::compiled_effect> solution_effects;     ///< organisation.effects (intervention.hpp)
    std::vector<std::vector<int>> include_benefits;  ///< [track] -> benefit indices included
    std::vector<std::vector<int>> exclude_benefits;  ///< [track] -> benefit indices excluded
    std::vector<detail::table_member> table;   ///< population from a table (empty: generator)
    std::uint32_t initial_families = 0;        ///< families at t = 0 (table or generator)
    std::uint32_t solution_capacity = 0;       ///< places: selection.capacity, capped by staff caseload (0: unlimited)
    /// Places per year from selection.capacity_by_year, each capped like solution_capacity (empty:
    /// solution_capacity throughout; solution_capacity is then year 1's).
    std::vector<std::uint32_t> capacity_by_year;
    std::uint32_t required_sectors = 0;        ///< bit mask of selection.require_sectors
    std::uint32_t inherited_sectors = 0;       ///< bit mask of selection.inherited.sectors
    bool has_ages = false;                     ///< some track gives its members ages (ages.hpp)
    std::vector<age_band> age_bands;           ///< selection.age_bands
    std::vector<detail::quota_group> quota;    ///< selection.quota, in written order
    /// selection.case_capacity: a sector (index) and the most cases in it inside the solution.
    struct case_cap {
        std::uint32_t sector;
        std::uint32_t cap;
    };
    std::vector<case_cap> case_caps;
    bool capacity_states = false;              ///< some state has a capacity (tracks.states.capacity)
    bool place_queues = false;                 ///< some state has a queue for its places (tracks.states.queue)
    detail::compiled_reimbursement reimbursement;  ///< § 176 (reimbursement.hpp); its lines come last

    [[nodiscard]] std::size_t sector_count() const noexcept { return spec.sectors.size(); }
    [[nodiscard]] std::uint32_t solution_budget() const noexcept {
        return static_cast<std::uint32_t>(spec.sectors.size());
    }
};

/// Validates `sc` (throws scenario_error) and compiles it.
model compile(scenario sc);

/// Reads, validates and compiles the scenario in `doc` (read_scenario); every scenario_error
/// names the origin of the bad value.
model compile(const document& doc, const table_reader& read_table = {});

}  // namespace tvaer
