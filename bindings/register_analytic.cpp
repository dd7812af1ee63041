// Stub: filled in by the analytic bindings.
#include "register.hpp"

namespace tvaer::bindings {
void register_analytic(pybind11::module_&) {}
}  // namespace tvaer::bindings
