// Scenario documents and compiled models. The engine reads and validates scenarios itself
// (document.hpp, scenario.hpp); Python passes a document (TOML text, overrides) and gets a model.
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "register.hpp"
#include "tvaer/document.hpp"
#include "tvaer/governance.hpp"
#include "tvaer/model.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/scenario.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

void register_scenario(py::module_& m) {
    py::enum_<cost_kind>(m, "CostKind").value("service", cost_kind::service).value("transfer", cost_kind::transfer);

    py::class_<document>(m, "Document", "A scenario document: TOML text as written, plus overrides made in code.")
        .def_static("parse", &document::parse, py::arg("text"), py::arg("source"), py::arg("positions") = true,
                    "Parses TOML text; `source` names it in errors; `positions=False` for text generated from data.")
        .def_static("load", &document::load, py::arg("path"), "Reads and parses a scenario file.")
        .def("set", &document::set, py::arg("path"), py::arg("value_toml"),
             "Sets the value at a key path to the value of `v` in the TOML text `value_toml` (an override).")
        .def("to_json", py::overload_cast<>(&document::to_json, py::const_), "The document as JSON, tables in the order written.")
        .def("to_json", py::overload_cast<std::string_view>(&document::to_json, py::const_), py::arg("path"),
             "The value at a key path as JSON; raises ScenarioError if there is none.")
        .def("locate", py::overload_cast<std::string_view>(&document::locate, py::const_), py::arg("key_path"),
             "Where the value at a key path came from (an Origin): the override that wrote it, else its line and "
             "column, or those of its nearest enclosing table when the key is missing.")
        .def_property_readonly("source", &document::source)
        .def_property_readonly("text", &document::text)
        .def_property_readonly("overrides", [](const document& d) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& o : d.overrides()) out.emplace_back(o.path, o.canonical);
            return out;
        });

    m.def("item_path", &item_path, py::arg("base"), py::arg("name"), py::arg("index"),
          "The key path of item `index` of list `base`: `base.name` for a plain name, else `base[index]`.");

    py::class_<member_row>(m, "MemberRow")
        .def(py::init<std::uint32_t, std::string, std::string, std::string>(), py::arg("family"), py::arg("track"),
             py::arg("state"), py::arg("benefit") = "");
    m.attr("SCENARIO_SCHEMA_VERSION") = scenario_schema_version;
    m.attr("START_YEARS") = py::make_tuple(first_start_year, last_start_year);

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
    py::class_<governance_row>(m, "GovernanceRow")
        .def_readonly("intervention", &governance_row::intervention)
        .def_readonly("grants", &governance_row::grants)
        .def_readonly("pays", &governance_row::pays)
        .def_readonly("delivered_by", &governance_row::delivered_by)
        .def_readonly("inside_unit_budget", &governance_row::inside_unit_budget)
        .def_readonly("expected_cost", &governance_row::expected_cost)
        .def_readonly("above_ceiling", &governance_row::above_ceiling);
    py::class_<model>(m, "Model", "A validated, compiled scenario.")
        .def(py::init([](const document& doc, const table_reader& read_table) { return compile(doc, read_table); }),
             py::arg("document"), py::arg("read_table") = table_reader{},
             "Reads, validates and compiles a document; `read_table(file)` returns the rows of a population table.")
        .def_readonly("months", &model::months)
        .def_readonly("budgets", &model::budgets)
        .def_readonly("lines", &model::lines)
        .def_readonly("occupancy_rows", &model::occupancy_rows)
        .def_readonly("transition_rows", &model::transition_rows)
        .def_readonly("interventions", &model::intervention_names)
        .def_readonly("solution_capacity", &model::solution_capacity)
        .def_property_readonly("governance", &governance_rows)
        .def_property_readonly("sectors", [](const model& mo) { return mo.spec.sectors; })
        .def_property_readonly("families", [](const model& mo) { return mo.initial_families; })
        .def_property_readonly("discount_rate", [](const model& mo) { return mo.spec.discount_rate; });
    m.def("ladder_model", [](std::uint32_t families) { return compile(ladder_scenario(families)); }, py::arg("families"),
          "The reference benchmark model of shared/bench/ladder.md, compiled.");
}

}  // namespace tvaer::bindings
