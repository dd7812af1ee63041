// Stub: filled in by the results_file bindings.
#include "register.hpp"

namespace tvaer::bindings {
void register_results_file(pybind11::module_&) {}
}  // namespace tvaer::bindings
