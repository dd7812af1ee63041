// HDF5 results files (engine/include/tvaer/results_file.hpp). File I/O runs with the GIL released,
// one call at a time: the serial HDF5 library is not thread-safe.
#include <pybind11/stl.h>

#include <mutex>

#include "register.hpp"
#include "tvaer/results_file.hpp"

#ifndef TVAER_GIT_REVISION
#define TVAER_GIT_REVISION "unknown"
#endif

namespace py = pybind11;

namespace tvaer::bindings {

namespace {

std::mutex hdf5_mutex;

// Wraps an engine function so that it runs without the GIL and never beside another HDF5 call
// of this module (the GIL is released before the lock is taken, so waiting never blocks Python).
template <class R, class... A>
auto serial(R (*f)(A...)) {
    return [f](A... args) -> R {
        py::gil_scoped_release release;
        const std::lock_guard<std::mutex> lock(hdf5_mutex);
        return f(std::forward<A>(args)...);
    };
}

provenance new_provenance(std::string scenario_text, std::string scenario_name, std::string git_revision,
                          std::vector<ledger_line> lines) {
    provenance p;
    p.scenario_text = std::move(scenario_text);
    p.scenario_name = std::move(scenario_name);
    p.git_revision = std::move(git_revision);
    p.lines = std::move(lines);
    return p;
}

}  // namespace

void register_results_file(py::module_& m) {
    m.attr("RESULTS_SCHEMA_VERSION") = results_schema_version;
    m.attr("GIT_REVISION") = TVAER_GIT_REVISION;

    py::class_<provenance>(m, "Provenance", "Where results came from: root attributes and line metadata of a file.")
        .def(py::init(&new_provenance), py::arg("scenario_text"), py::arg("scenario_name"),
             py::arg("git_revision") = TVAER_GIT_REVISION, py::arg("lines") = std::vector<ledger_line>{})
        .def_readonly("scenario_text", &provenance::scenario_text, "The scenario as stored (tvaer writes canonical JSON).")
        .def_readonly("scenario_name", &provenance::scenario_name)
        .def_readonly("engine_version", &provenance::engine_version)
        .def_readonly("git_revision", &provenance::git_revision)
        .def_readonly("created", &provenance::created, "ISO 8601 UTC.")
        .def_readonly("schema_version", &provenance::schema_version)
        .def_readonly("compression", &provenance::compression,
                      "How the file's arrays are compressed ('none', 'szip' or 'deflate:N'), as read from it.")
        .def_readonly("lines", &provenance::lines, "The ledger lines (LedgerLine list); empty without line metadata.");

    m.def("make_provenance", &make_provenance, py::arg("model"), py::arg("scenario_text"),
          py::arg("git_revision") = TVAER_GIT_REVISION, "Provenance of results of `model`: its name and ledger lines.");
    m.attr("DEFAULT_COMPRESSION") = compression{}.text();
    m.def("check_compression", [](const std::string& text) { return compression::parse(text).text(); },
          py::arg("compression"),
          "The compression named by `compression` ('none', 'szip' or 'deflate:1' .. 'deflate:9'); raises ValueError "
          "naming the argument, what was given and the choices.");
    m.def("write_results",
          [](const std::string& path, const results& r, const provenance& p, const std::string& c) {
              const auto how = compression::parse(c);
              py::gil_scoped_release release;
              const std::lock_guard<std::mutex> lock(hdf5_mutex);
              write_results(path, r, p, how);
          },
          py::arg("path"), py::arg("results"), py::arg("provenance"), py::arg("compression") = compression{}.text(),
          "Writes results atomically (via path + '.tmp'), the arrays compressed by `compression`; raises "
          "ResultsFileError naming the path.");
    m.def("read_results", serial(&read_results), py::arg("path"), "Reads the arrays of a results file, bit for bit.");
    m.def("read_provenance", serial(&read_provenance), py::arg("path"), "Reads the provenance of a results file.");
    m.def("append_results", serial(&append_results), py::arg("path"), py::arg("more"),
          "Appends the replications that follow the file's; atomic, the file is unchanged on failure.");
}

}  // namespace tvaer::bindings
