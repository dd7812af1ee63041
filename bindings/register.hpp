#pragma once
// One registration function per engine area; module.cpp calls them in order.
#include <pybind11/pybind11.h>

namespace tvaer::bindings {
void register_errors(pybind11::module_& m);
void register_scenario(pybind11::module_& m);
void register_simulation(pybind11::module_& m);
void register_results_file(pybind11::module_& m);
void register_allocation(pybind11::module_& m);
void register_analytic(pybind11::module_& m);
}  // namespace tvaer::bindings
