// Running replications (GIL released; progress and Ctrl-C via a Python callback) and the raw
// results as NumPy arrays. Labelling (xarray) happens in tvaer/results.py.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "register.hpp"
#include "tvaer/replications.hpp"

namespace py = pybind11;

namespace tvaer::bindings {

namespace {

template <class T>
py::array_t<T> as_array(const std::vector<T>& v, std::vector<py::ssize_t> shape) {
    py::array_t<T> a(shape);
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

py::ssize_t ssize(std::size_t n) { return static_cast<py::ssize_t>(n); }

// One column of the booking log as a NumPy array.
template <class T>
py::array_t<T> booking_column(const results& r, T booking::*field) {
    py::array_t<T> a(ssize(r.bookings.size()));
    T* out = a.mutable_data();
    for (const auto& b : r.bookings) *out++ = b.*field;
    return a;
}

// `progress(done)` returns False to stop; Python exceptions raised in it (KeyboardInterrupt from
// Ctrl-C) stop the run and are re-raised once the threads have finished.
results run(const model& m, std::uint64_t seed, std::uint32_t first, std::uint32_t count, unsigned threads,
            const py::object& progress, bool family_costs, bool bookings) {
    run_options o;
    o.seed = seed;
    o.first_replication = first;
    o.replications = count;
    o.threads = threads;
    o.family_costs = family_costs;
    o.bookings = bookings;
    std::optional<py::error_already_set> pending;
    if (!progress.is_none()) {
        o.progress = [&](std::uint32_t done) {
            py::gil_scoped_acquire gil;
            try {
                if (PyErr_CheckSignals() != 0) throw py::error_already_set();
                return progress(done).cast<bool>();
            } catch (py::error_already_set& e) {
                pending.emplace(std::move(e));
                return false;
            }
        };
    }
    results r;
    {
        py::gil_scoped_release release;
        r = run_replications(m, o);
    }
    if (pending) {
        // Keep what is complete on the exception, so that callers can return it.
        py::object exc = pending->value();
        exc.attr("tvaer_partial") = py::cast(std::move(r));
        throw std::move(*pending);
    }
    return r;
}

}  // namespace

void register_simulation(py::module_& m) {
    py::class_<results>(m, "Results", "Raw outputs of consecutive replications (both arms).")
        .def_readonly("seed", &results::seed)
        .def_readonly("first_replication", &results::first_replication)
        .def_readonly("replications", &results::replications)
        .def_readonly("months", &results::months)
        .def_readonly("budgets", &results::budgets)
        .def_readonly("line_sources", &results::line_sources)
        .def_readonly("occupancy_rows", &results::occupancy_rows)
        .def_readonly("transition_rows", &results::transition_rows)
        .def_readonly("interventions", &results::interventions)
        .def("append", &results::append, py::arg("more"), "Appends the replications that directly follow these.")
        .def_property_readonly("costs", [](const results& r) {
            return as_array(r.costs, {ssize(r.replications), 2, ssize(r.line_sources.size()), ssize(r.months)});
        }, "DKK, shape (replication, arm, line, month).")
        .def_property_readonly("occupancy", [](const results& r) {
            return as_array(r.occupancy, {ssize(r.replications), 2, ssize(r.occupancy_rows.size()), ssize(r.months)});
        }, "member-months, shape (replication, arm, row, month).")
        .def_property_readonly("queue", [](const results& r) {
            return as_array(r.queue, {ssize(r.replications), 2, ssize(r.interventions.size()), ssize(r.months)});
        }, "request-months waiting, shape (replication, arm, intervention, month).")
        .def_property_readonly("transitions", [](const results& r) {
            return as_array(r.transitions, {ssize(r.replications), 2, ssize(r.months), ssize(r.transition_rows.size())});
        }, "counts, shape (replication, arm, month, transition).")
        .def_property_readonly("requests", [](const results& r) {
            return as_array(r.requests, {ssize(r.replications), 2, ssize(r.months), ssize(r.interventions.size())});
        })
        .def_property_readonly("starts", [](const results& r) {
            return as_array(r.starts, {ssize(r.replications), 2, ssize(r.months), ssize(r.interventions.size())});
        })
        .def_property_readonly("dropped", [](const results& r) {
            return as_array(r.dropped, {ssize(r.replications), 2, ssize(r.months), ssize(r.interventions.size())});
        })
        .def_property_readonly("wait_months", [](const results& r) {
            return as_array(r.wait_months, {ssize(r.replications), 2, ssize(r.months), ssize(r.interventions.size())});
        })
        .def_property_readonly("events", [](const results& r) { return as_array(r.events, {ssize(r.replications), 2}); })
        .def_property_readonly("admitted", [](const results& r) { return as_array(r.admitted, {ssize(r.replications), 2}); })
        .def_readonly("has_family_costs", &results::has_family_costs, "Whether the per-family output was recorded.")
        .def_property_readonly("family_counts", [](const results& r) {
            return as_array(r.family_counts, {ssize(r.family_counts.size() / 2), 2});
        }, "families per (replication, arm) block of the per-family arrays.")
        .def_property_readonly("family_costs", [](const results& r) {
            return as_array(r.family_costs, {ssize(r.family_costs.size())});
        }, "DKK, flat: the (replication, arm) blocks in order, each (family, year, budget, registration).")
        .def_property_readonly("family_admitted", [](const results& r) {
            return as_array(r.family_admitted, {ssize(r.family_admitted.size())});
        }, "flat like family_costs, one per family: month first admitted into the solution, or -1.")
        .def_property_readonly("family_candidate", [](const results& r) {
            return as_array(r.family_candidate, {ssize(r.family_candidate.size())});
        }, "flat like family_costs, one per family: 1 if eligible and motivated.")
        .def_readonly("has_bookings", &results::has_bookings, "Whether the booking log was recorded.")
        .def_property_readonly("booking_counts", [](const results& r) {
            return as_array(r.booking_counts, {ssize(r.booking_counts.size() / 2), 2});
        }, "bookings per (replication, arm) block of the booking log.")
        .def_property_readonly("booking_family", [](const results& r) { return booking_column(r, &booking::family); })
        .def_property_readonly("booking_member", [](const results& r) { return booking_column(r, &booking::member); })
        .def_property_readonly("booking_month", [](const results& r) { return booking_column(r, &booking::month); })
        .def_property_readonly("booking_line", [](const results& r) { return booking_column(r, &booking::line); })
        .def_property_readonly("booking_amount", [](const results& r) { return booking_column(r, &booking::amount); },
                               "DKK");

    m.def("run", &run, py::arg("model"), py::arg("seed"), py::arg("first_replication"), py::arg("replications"),
          py::arg("threads") = 1, py::arg("progress") = py::none(), py::arg("family_costs") = false,
          py::arg("bookings") = false,
          "Runs replications [first, first + replications) of both arms in C++ threads, GIL released;\n"
          "family_costs=True also records the per-family output, bookings=True the booking log.");
}

}  // namespace tvaer::bindings
