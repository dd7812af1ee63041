// The one place where engine exceptions become Python exceptions (classes in tvaer/errors.py).
#include "register.hpp"
#include "tvaer/error.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

namespace {
void raise(const char* cls, const char* message) {
    PyErr_SetString(py::module_::import("tvaer.errors").attr(cls).ptr(), message);
}
}  // namespace

void register_errors(py::module_& m) {
    py::class_<origin>(m, "Origin", "Where a value of a scenario came from: a file position, an override, or only a file.")
        .def_readonly("file", &origin::file)
        .def_readonly("line", &origin::line, "1-based; 0: unknown")
        .def_readonly("column", &origin::column, "1-based; 0: unknown")
        .def_readonly("override", &origin::override_path, "the override that wrote the value, or ''")
        .def("describe", &origin::describe, "`FILE:LINE:COL`, `FILE (override 'PATH')`, `FILE`, or ''.");
    py::register_exception_translator([](std::exception_ptr p) {
        if (!p) return;
        try {
            std::rethrow_exception(p);
        } catch (const tvaer::scenario_error& e) {
            auto cls = py::module_::import("tvaer.errors").attr("ScenarioError");
            const origin& at = e.where();
            const std::string detail = e.key_path().empty() ? e.message() : e.key_path() + ": " + e.message();
            py::object file = at.file.empty() ? py::object(py::none()) : py::object(py::str(at.file));
            py::object err = cls(detail, e.key_path(), file, py::arg("line") = at.line, py::arg("column") = at.column,
                                 py::arg("override") = at.override_path, py::arg("text") = e.what());
            PyErr_SetObject(cls.ptr(), err.ptr());
        } catch (const tvaer::file_error& e) {
            raise("ResultsFileError", e.what());
        } catch (const tvaer::simulation_error& e) {
            raise("SimulationError", e.what());
        } catch (const tvaer::error& e) {
            raise("TvaerError", e.what());
        }
    });
}

}  // namespace tvaer::bindings
