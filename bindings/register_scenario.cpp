// Scenario structs as plain Python classes with keyword constructors. The tvaer package builds
// them from TOML (tvaer/scenario.py); the engine validates them (scenario.cpp).
#include <pybind11/stl.h>

#include "register.hpp"
#include "tvaer/model.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/scenario.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

void register_scenario(py::module_& m) {
    py::enum_<cost_kind>(m, "CostKind").value("service", cost_kind::service).value("transfer", cost_kind::transfer);
    py::enum_<availability>(m, "Availability")
        .value("both", availability::both)
        .value("bau", availability::bau)
        .value("solution", availability::solution);
    py::enum_<queue_discipline>(m, "QueueDiscipline")
        .value("fifo", queue_discipline::fifo)
        .value("solution_first", queue_discipline::solution_first);
    py::enum_<authority>(m, "Authority")
        .value("solution", authority::solution)
        .value("shared", authority::shared)
        .value("sector", authority::sector);

    py::class_<sojourn>(m, "Sojourn", "A duration distribution (months), described by its cumulative hazard.")
        .def_static("exponential", &sojourn::exponential, py::arg("rate"))
        .def_static("weibull", &sojourn::weibull, py::arg("shape"), py::arg("scale"))
        .def_static("lognormal", &sojourn::lognormal, py::arg("mu"), py::arg("sigma"))
        .def_static("fixed", &sojourn::fixed, py::arg("months"))
        .def_static("empirical", &sojourn::empirical, py::arg("durations"))
        .def("mean", &sojourn::mean, "Mean duration in months.");

    py::class_<cost_rate>(m, "CostRate")
        .def(py::init<>())
        .def_readwrite("sector", &cost_rate::sector)
        .def_readwrite("kind", &cost_rate::kind)
        .def_readwrite("monthly", &cost_rate::monthly)
        .def_readwrite("one_off", &cost_rate::one_off)
        .def_readwrite("cpr_registered", &cost_rate::cpr_registered)
        .def_readwrite("benefit", &cost_rate::benefit);
    py::class_<transition>(m, "Transition")
        .def(py::init<>())
        .def_readwrite("to", &transition::to)
        .def_readwrite("rate", &transition::rate)
        .def_readwrite("probability", &transition::probability);
    py::class_<state>(m, "State")
        .def(py::init<>())
        .def_readwrite("name", &state::name)
        .def_readwrite("transitions", &state::transitions)
        .def_readwrite("duration", &state::duration)
        .def_readwrite("costs", &state::costs);
    py::class_<track>(m, "Track")
        .def(py::init<>())
        .def_readwrite("name", &track::name)
        .def_readwrite("states", &track::states)
        .def_readwrite("initial", &track::initial)
        .def_readwrite("members", &track::members)
        .def_readwrite("benefits", &track::benefits)
        .def_readwrite("benefit_shares", &track::benefit_shares);
    py::class_<effect>(m, "Effect")
        .def(py::init<>())
        .def_readwrite("track", &effect::track)
        .def_readwrite("from_", &effect::from)
        .def_readwrite("to", &effect::to)
        .def_readwrite("multiplier", &effect::multiplier);
    py::class_<intervention>(m, "Intervention")
        .def(py::init<>())
        .def_readwrite("name", &intervention::name)
        .def_readwrite("track", &intervention::track)
        .def_readwrite("request_on_entry", &intervention::request_on_entry)
        .def_readwrite("ends_on_entry", &intervention::ends_on_entry)
        .def_readwrite("duration", &intervention::duration)
        .def_readwrite("capacity", &intervention::capacity)
        .def_readwrite("costs", &intervention::costs)
        .def_readwrite("effects", &intervention::effects)
        .def_readwrite("available", &intervention::available)
        .def_readwrite("decision_delay_bau", &intervention::decision_delay_bau)
        .def_readwrite("decision_delay_solution", &intervention::decision_delay_solution)
        .def_readwrite("grants", &intervention::grants)
        .def_readwrite("pays", &intervention::pays)
        .def_readwrite("payment_key", &intervention::payment_key)
        .def_readwrite("inside_unit_budget", &intervention::inside_unit_budget)
        .def_readwrite("queue", &intervention::queue)
        .def_readwrite("delivered_by", &intervention::delivered_by);
    py::class_<selection>(m, "Selection")
        .def(py::init<>())
        .def_readwrite("capacity", &selection::capacity)
        .def_readwrite("min_sectors", &selection::min_sectors)
        .def_readwrite("include_benefits", &selection::include_benefits)
        .def_readwrite("exclude_benefits", &selection::exclude_benefits)
        .def_readwrite("motivated_share", &selection::motivated_share)
        .def_readwrite("score_per_sector", &selection::score_per_sector)
        .def_readwrite("score_per_service", &selection::score_per_service)
        .def_readwrite("score_min", &selection::score_min)
        .def_readwrite("score_max", &selection::score_max)
        .def_readwrite("stay", &selection::stay);
    py::class_<organisation>(m, "Organisation")
        .def(py::init<>())
        .def_readwrite("form", &organisation::form)
        .def_readwrite("staff_fte", &organisation::staff_fte)
        .def_readwrite("salary_per_fte_year", &organisation::salary_per_fte_year)
        .def_readwrite("caseload", &organisation::caseload)
        .def_readwrite("salary_key", &organisation::salary_key)
        .def_readwrite("effects", &organisation::effects)
        .def_readwrite("meeting_every", &organisation::meeting_every)
        .def_readwrite("ceiling", &organisation::ceiling)
        .def_readwrite("forum_every", &organisation::forum_every);
    py::class_<member_row>(m, "MemberRow")
        .def(py::init<std::uint32_t, std::string, std::string, std::string>(), py::arg("family"), py::arg("track"),
             py::arg("state"), py::arg("benefit") = "")
        .def_readwrite("family", &member_row::family)
        .def_readwrite("track", &member_row::track)
        .def_readwrite("state", &member_row::state)
        .def_readwrite("benefit", &member_row::benefit);
    py::class_<population>(m, "Population")
        .def(py::init<>())
        .def_readwrite("table", &population::table)
        .def_readwrite("arrivals_per_month", &population::arrivals_per_month)
        .def_readwrite("arrival_months", &population::arrival_months)
        .def_readwrite("leave_rate", &population::leave_rate);
    py::class_<refusion_ladder>(m, "RefusionLadder", "State reimbursement of benefits by weeks on benefits.")
        .def(py::init<>())
        .def_static("statutory", &refusion_ladder::statutory, "The 80/40/30/20 % ladder in force since 2016.")
        .def_readwrite("upper_weeks", &refusion_ladder::upper_weeks)
        .def_readwrite("shares", &refusion_ladder::shares)
        .def_readwrite("reset_after_weeks", &refusion_ladder::reset_after_weeks)
        .def_readwrite("initial_weeks", &refusion_ladder::initial_weeks);
    py::class_<scenario>(m, "Scenario")
        .def(py::init<>())
        .def_readwrite("schema_version", &scenario::schema_version)
        .def_readwrite("name", &scenario::name)
        .def_readwrite("horizon_months", &scenario::horizon_months)
        .def_readwrite("discount_rate", &scenario::discount_rate)
        .def_readwrite("sectors", &scenario::sectors)
        .def_readwrite("families", &scenario::families)
        .def_readwrite("population", &scenario::people)
        .def_readwrite("tracks", &scenario::tracks)
        .def_readwrite("interventions", &scenario::interventions)
        .def_readwrite("selection", &scenario::select)
        .def_readwrite("organisation", &scenario::org)
        .def_readwrite("refusion", &scenario::refusion)
        .def("validate", &scenario::validate, "Raises ScenarioError naming the key path of the first problem.");
    m.attr("SCENARIO_SCHEMA_VERSION") = scenario_schema_version;
    m.def("ladder_scenario", &ladder_scenario, py::arg("families"),
          "The reference benchmark model of shared/bench/ladder.md.");

    py::enum_<treatment>(m, "Treatment").value("usual", treatment::usual).value("solution", treatment::solution);
    py::class_<ledger_line>(m, "LedgerLine")
        .def_readonly("source", &ledger_line::source)
        .def_readonly("source_kind", &ledger_line::source_kind)
        .def_readonly("law_sector", &ledger_line::law_sector)
        .def_readonly("payer", &ledger_line::payer)
        .def_readonly("kind", &ledger_line::kind)
        .def_readonly("cpr_registered", &ledger_line::cpr_registered)
        .def_property_readonly("group", [](const ledger_line& l) { return l.group == treatment::solution ? "solution" : "usual"; })
        .def_readonly("inside_unit_budget", &ledger_line::inside_unit_budget)
        .def_readonly("benefit", &ledger_line::benefit)
        .def_readonly("granted_by", &ledger_line::granted_by);
    py::class_<model>(m, "Model", "A validated, compiled scenario.")
        .def(py::init(&compile), py::arg("scenario"))
        .def_readonly("months", &model::months)
        .def_readonly("budgets", &model::budgets)
        .def_readonly("lines", &model::lines)
        .def_readonly("occupancy_rows", &model::occupancy_rows)
        .def_readonly("transition_rows", &model::transition_rows)
        .def_readonly("interventions", &model::intervention_names)
        .def_readonly("solution_capacity", &model::solution_capacity)
        .def_property_readonly("sectors", [](const model& mo) { return mo.spec.sectors; })
        .def_property_readonly("families", [](const model& mo) { return mo.initial_families; })
        .def_property_readonly("discount_rate", [](const model& mo) { return mo.spec.discount_rate; });
}

}  // namespace tvaer::bindings
