// Stub: filled in by the allocation bindings.
#include "register.hpp"

namespace tvaer::bindings {
void register_allocation(pybind11::module_&) {}
}  // namespace tvaer::bindings
