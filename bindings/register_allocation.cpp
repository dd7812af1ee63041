// Allocation rules (allocation.hpp): rule constructors, yearly lines of one replication, and the
// settlement's tables as NumPy arrays (budget, year) in øre. Labelling happens in tvaer/budgets.py.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "register.hpp"
#include "tvaer/allocation.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

namespace {

py::array_t<ore> table(const settlement& s, const std::vector<ore>& t) {
    py::array_t<ore> a({static_cast<py::ssize_t>(s.budgets.size()), static_cast<py::ssize_t>(s.years)});
    std::copy(t.begin(), t.end(), a.mutable_data());
    return a;
}

py::array_t<double> amounts(const line_years& in) {
    py::array_t<double> a({py::ssize_t{2}, static_cast<py::ssize_t>(in.lines.size()), static_cast<py::ssize_t>(in.years)});
    std::copy(in.amounts.begin(), in.amounts.end(), a.mutable_data());
    return a;
}

void register_outputs(py::module_& m) {
    py::class_<transfer>(m, "Transfer", "One movement: `from_` pays (or takes over cost), `to` is paid (relieved).")
        .def_readonly("rule", &transfer::rule)
        .def_readonly("year", &transfer::year)
        .def_property_readonly("books", [](const transfer& t) { return t.books == arm::bau ? "bau" : "solution"; })
        .def_readonly("cost_shift", &transfer::cost_shift)
        .def_readonly("from_", &transfer::from)
        .def_readonly("to", &transfer::to)
        .def_readonly("amount", &transfer::amount, "øre, > 0");
    py::class_<incentive_row>(m, "IncentiveRow", "Who invests, who gains and by when, for one budget.")
        .def_readonly("budget", &incentive_row::budget)
        .def_readonly("role", &incentive_row::role)
        .def_readonly("invested", &incentive_row::invested, "øre")
        .def_readonly("gained", &incentive_row::gained, "øre")
        .def_readonly("break_even_before", &incentive_row::break_even_before)
        .def_readonly("break_even_after", &incentive_row::break_even_after)
        .def_readonly("present_value_before", &incentive_row::present_value_before, "DKK")
        .def_readonly("present_value_after", &incentive_row::present_value_after, "DKK");
    py::class_<settlement>(m, "Settlement", "One replication settled; tables are (budget, year) in øre.")
        .def_readonly("budgets", &settlement::budgets)
        .def_readonly("years", &settlement::years)
        .def_property_readonly("granted_bau", [](const settlement& s) { return table(s, s.granted_bau); })
        .def_property_readonly("granted_solution", [](const settlement& s) { return table(s, s.granted_solution); })
        .def_property_readonly("gross_bau", [](const settlement& s) { return table(s, s.gross_bau); })
        .def_property_readonly("gross_solution", [](const settlement& s) { return table(s, s.gross_solution); })
        .def_property_readonly("difference", [](const settlement& s) { return table(s, s.difference); })
        .def_property_readonly("settled", [](const settlement& s) { return table(s, s.settled); })
        .def_property_readonly("net", [](const settlement& s) { return table(s, s.net); })
        .def_property_readonly("required", [](const settlement& s) { return table(s, s.required); })
        .def_readonly("transfers", &settlement::transfers)
        .def_readonly("incentives", &settlement::incentives)
        .def_readonly("present_value_total", &settlement::present_value_total, "DKK")
        .def_readonly("break_even_total", &settlement::break_even_total);
}

void register_rules(py::module_& m) {
    py::class_<rule>(m, "Rule", "A named allocation rule; make one with the constructors of this module.")
        .def_readonly("name", &rule::name)
        .def_readonly("type", &rule::type)
        .def("__repr__", [](const rule& r) { return "<Rule " + r.type + " '" + r.name + "'>"; });
    py::enum_<unit_items>(m, "UnitItems").value("inside", unit_items::inside).value("salaries", unit_items::salaries);
    py::enum_<shortfall>(m, "Shortfall").value("own", shortfall::own).value("pooled", shortfall::pooled);
    py::enum_<share_basis>(m, "ShareBasis")
        .value("equal", share_basis::equal)
        .value("baseline", share_basis::baseline)
        .value("invested", share_basis::invested)
        .value("gained", share_basis::gained);
    py::class_<requirement_part>(m, "RequirementPart")
        .def(py::init([](std::vector<double> per_year, key shares, std::optional<cost_kind> kind) {
                 return requirement_part{std::move(per_year), std::move(shares), kind};
             }),
             py::arg("per_year"), py::arg("shares"), py::arg("kind") = py::none())
        .def_readonly("per_year", &requirement_part::per_year)
        .def_readonly("shares", &requirement_part::shares)
        .def_readonly("kind", &requirement_part::kind);

    m.def("pay_where_granted", &pay_where_granted, py::arg("name") = "pay where granted");
    m.def("fixed_key", &fixed_key, py::arg("name"), py::arg("intervention"), py::arg("shares"),
          py::arg("solution_group_only") = true);
    m.def("salary_key", &salary_key, py::arg("name"), py::arg("shares"));
    m.def("own_budget",
          [](std::string name, unit_items items, key shares, std::vector<double> total,
             std::map<std::string, std::vector<double>> amounts) {
              return own_budget(std::move(name), items, unit_funding{std::move(shares), std::move(total), std::move(amounts)});
          },
          py::arg("name"), py::arg("items"), py::arg("shares") = key{}, py::arg("total") = std::vector<double>{},
          py::arg("amounts") = std::map<std::string, std::vector<double>>{});
    m.def("efficiency_requirement", &efficiency_requirement, py::arg("name"), py::arg("parts"),
          py::arg("settlement") = shortfall::own);
    m.def("equal_split", &equal_split, py::arg("per_year"), py::arg("budgets"), py::arg("kind") = py::none());
    m.def("retrospective", &retrospective, py::arg("name"), py::arg("sectors"), py::arg("basis"));
    m.def("shapley", &shapley, py::arg("name"), py::arg("players"), py::arg("tables"));
    m.def("investor_returns", &investor_returns, py::arg("name"), py::arg("sectors"), py::arg("rest"));
}

}  // namespace

void register_allocation(py::module_& m) {
    register_outputs(m);
    register_rules(m);
    py::class_<line_years>(m, "LineYears", "One replication's yearly DKK per ledger line, both arms.")
        .def_readonly("budgets", &line_years::budgets)
        .def_readonly("years", &line_years::years)
        .def_property_readonly("amounts", &amounts, "DKK, shape (arm, line, year).");
    m.def("yearly_lines", &yearly_lines, py::arg("model"), py::arg("results"), py::arg("index"),
          "Replication `index` (0-based within `results`) summed into years of 12 months.");
    m.def("settle", &settle, py::arg("lines"), py::arg("rules"), py::arg("discount_rate") = 0.0,
          "Applies `rules` in order to one replication's yearly lines.");
    m.def("shapley_values", py::overload_cast<std::size_t, const std::vector<double>&>(&shapley_values),
          py::arg("players"), py::arg("table"), "Exact Shapley values; table[mask], bit i = player i.");
    m.def("to_ore", &to_ore, py::arg("dkk"), py::arg("where") = "amount");
    m.def("apportion", &apportion, py::arg("total"), py::arg("weights"));
    m.def("present_value", &present_value, py::arg("yearly"), py::arg("rate"),
          "Present value in DKK of yearly øre amounts, year y (0-based) discounted by (1 + rate)^-y.");
    m.def("present_value_dkk", &present_value_dkk, py::arg("yearly"), py::arg("rate"),
          "present_value of yearly DKK amounts.");
    m.def("break_even_year", &break_even_year, py::arg("yearly"),
          "First year (0-based) from which the cumulative sum of yearly øre stays >= 0; None if it ends < 0.");
    m.def("break_even_year_dkk", &break_even_year_dkk, py::arg("yearly"), "break_even_year of yearly DKK amounts.");
    m.def("allocation_rules", &allocation_rules, py::arg("document"),
          "The rules of the document's [allocation] table, in order; raises ScenarioError for a bad entry.");
}

}  // namespace tvaer::bindings
