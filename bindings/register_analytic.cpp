// Analytic expected-value mode (analytic.hpp): expected occupancy and costs as NumPy arrays.
// Labelling (xarray) happens in tvaer/expected.py.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "register.hpp"
#include "tvaer/analytic.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

void register_analytic(py::module_& m) {
    py::class_<expected_values>(m, "ExpectedValues", "Expected values of one treatment (rows or lines x months).")
        .def_readonly("group", &expected_values::group)
        .def_readonly("months", &expected_values::months)
        .def_readonly("families", &expected_values::families)
        .def_readonly("occupancy_rows", &expected_values::occupancy_rows)
        .def_readonly("line_sources", &expected_values::line_sources)
        .def_readonly("occupancy_per_family", &expected_values::occupancy_per_family, "member-months, (row, month).")
        .def_readonly("costs_per_family", &expected_values::costs_per_family, "DKK, (line, month); staff: per family share.")
        .def_readonly("occupancy", &expected_values::occupancy, "member-months of all families, (row, month).")
        .def_readonly("costs", &expected_values::costs, "DKK of all families, (line, month); staff in full.")
        .def_readonly("extended_states", &expected_values::extended_states);

    m.def("expected", &expected, py::arg("model"), py::arg("treatment"), py::arg("max_extended_states") = 2048,
          py::call_guard<py::gil_scoped_release>(),
          "Expected values of `model` with every family treated with `treatment`; raises TvaerError naming the "
          "first unsupported feature.");
    m.def("require_analytic_support", &require_analytic_support, py::arg("model"), py::arg("treatment"),
          "Raises the TvaerError `expected` would raise for `model` and `treatment`; returns None if supported.");
}

}  // namespace tvaer::bindings
