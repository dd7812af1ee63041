// tvaer._core: the private compiled core. Table of contents only; see register_*.cpp.
#include "register.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "tvaer's compiled engine (private: use the tvaer package)";
    m.attr("__version__") = TVAER_VERSION;
    tvaer::bindings::register_errors(m);
    tvaer::bindings::register_scenario(m);
    tvaer::bindings::register_simulation(m);
    tvaer::bindings::register_results_file(m);
    tvaer::bindings::register_allocation(m);
    tvaer::bindings::register_analytic(m);
}
