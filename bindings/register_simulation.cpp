// Running replications (GIL released; progress and Ctrl-C via a Python callback) and the raw
// results as NumPy arrays. Labelling (xarray) happens in tvaer/results.py.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unordered_map>

#include "register.hpp"
#include "tvaer/budget_costs.hpp"
#include "tvaer/moments.hpp"
#include "tvaer/replications.hpp"
#include "tvaer/simulation.hpp"

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

// The result arrays are read-only NumPy views on the engine's vectors, not copies. A view keeps
// its results object alive (its base holds a reference), and `append` and `reserve`, which may move the
// vectors, refuse while a view is alive. The counts are only touched with the GIL held.
std::unordered_map<const results*, std::size_t>& live_views() {
    static std::unordered_map<const results*, std::size_t> views;
    return views;
}

struct view_owner {
    py::object self;  // the Python results object
    const results* r;
};

template <class T>
py::array_t<T> view_of(const std::vector<T>& v, const std::vector<py::ssize_t>& shape, const py::object& self) {
    if (v.empty()) return py::array_t<T>(shape);  // nothing to share
    const auto* r = &self.cast<const results&>();
    auto* owner = new view_owner{self, r};
    ++live_views()[r];
    py::capsule base(owner, [](void* p) {
        auto* o = static_cast<view_owner*>(p);
        auto& views = live_views();
        if (--views[o->r] == 0) views.erase(o->r);
        delete o;
    });
    py::array_t<T> a(shape, v.data(), base);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
}

// One column of the booking log as a NumPy array.
template <class T>
py::array_t<T> booking_column(const results& r, T booking::*field) {
    py::array_t<T> a(ssize(r.bookings.size()));
    T* out = a.mutable_data();
    for (const auto& b : r.bookings) *out++ = b.*field;
    return a;
}

// `progress(done)` and `deliver(results)` return False to stop; Python exceptions raised in them
// (KeyboardInterrupt from Ctrl-C) stop the run and are re-raised once the threads have finished.
results run(const model& m, std::uint64_t seed, std::uint32_t first, std::uint32_t count, unsigned threads,
            const py::object& progress, const replication_options& record, const py::object& deliver,
            std::uint32_t block) {
    run_options o;
    o.seed = seed;
    o.first_replication = first;
    o.replications = count;
    o.threads = threads;
    o.record = record;
    std::optional<py::error_already_set> pending;
    // Calls Python with the GIL; its exception is kept (the first one) and stops the run.
    const auto call = [&pending](auto&& f) {
        py::gil_scoped_acquire gil;
        try {
            return f();
        } catch (py::error_already_set& e) {
            if (!pending) pending.emplace(std::move(e));
            return false;
        }
    };
    if (!progress.is_none()) {
        o.progress = [&](std::uint32_t done) {
            return call([&] {
                if (PyErr_CheckSignals() != 0) throw py::error_already_set();
                return progress(done).cast<bool>();
            });
        };
    }
    if (!deliver.is_none()) {
        if (block == 0) throw py::value_error("run: deliver needs block >= 1 (replications a delivery)");
        o.block = block;
        o.deliver = [&](results&& full) {
            return call([&] { return deliver(py::cast(std::move(full))).cast<bool>(); });
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

replication_options new_replication_options(bool family_costs, bool bookings) {
    replication_options o;
    o.family_costs = family_costs;
    o.bookings = bookings;
    return o;
}

// A row of the table of result arrays as a dict: name, dims, units, long_name, optional.
py::dict describe(const result_array& a) {
    py::list dims;
    for (const auto d : a.dims) dims.append(py::str(std::string(d)));
    py::dict out;
    out["name"] = std::string(a.name);
    out["dims"] = py::tuple(dims);
    out["units"] = std::string(a.units);
    out["long_name"] = std::string(a.long_name);
    out["optional"] = a.optional || a.recorded_with != nullptr;
    return out;
}

// Raises ValueError when NumPy arrays are views on `r`'s memory, which `what` may move.
void refuse_with_views(const results& r, const char* what) {
    if (const auto it = live_views().find(&r); it != live_views().end()) {
        throw py::value_error(fmt::format(
            "Results.{}: {} NumPy array(s) of these results are still in use (they are views "
            "on its memory); {} before reading the arrays, or drop them first", what, it->second, what));
    }
}

// The array of row `a` in `self` (a view), shaped by the table, or None when it is not held.
py::object array_of(const py::object& self, const result_array& a) {
    const auto& r = self.cast<const results&>();
    if (!r.holds(a.name)) return py::none();
    std::vector<py::ssize_t> shape;
    for (const auto n : shape_of(r, a)) shape.push_back(ssize(n));
    return std::visit([&](const auto& c) -> py::object { return view_of(r.*c.data, shape, self); }, a.column);
}

}  // namespace

void register_simulation(py::module_& m) {
    py::class_<results> results_class(m, "Results", "Raw outputs of consecutive replications (both arms).");
    results_class.def_readonly("seed", &results::seed)
        .def_readonly("first_replication", &results::first_replication)
        .def_readonly("replications", &results::replications)
        .def_readonly("months", &results::months)
        .def_readonly("budgets", &results::budgets)
        .def_readonly("line_sources", &results::line_sources)
        .def_readonly("occupancy_rows", &results::occupancy_rows)
        .def_readonly("transition_rows", &results::transition_rows)
        .def_readonly("interventions", &results::interventions)
        .def("append", [](results& r, const results& more) {
            refuse_with_views(r, "append");
            r.append(more);
        }, py::arg("more"), "Appends the replications that directly follow these.")
        .def("reserve", [](results& r, std::uint32_t total) {
            refuse_with_views(r, "reserve");
            reserve_replications(r, total);
        }, py::arg("total"),
             "Reserves room for `total` replications in all (each as large as those held), so that appending up to "
             "them copies each array once: simulate_to_file holds its chunks this way.")
        .def_readonly("has_family_costs", &results::has_family_costs, "Whether the per-family output was recorded.")
        .def_readonly("has_bookings", &results::has_bookings, "Whether the booking log was recorded.")
        .def_property_readonly("booking_counts", [](const results& r) {
            return as_array(r.booking_counts, {ssize(r.booking_counts.size() / 2), 2});
        }, "bookings per (replication, arm) block of the booking log.")
        .def_property_readonly("booking_family", [](const results& r) { return booking_column(r, &booking::family); })
        .def_property_readonly("booking_member", [](const results& r) { return booking_column(r, &booking::member); })
        .def_property_readonly("booking_month", [](const results& r) { return booking_column(r, &booking::month); })
        .def_property_readonly("booking_line", [](const results& r) { return booking_column(r, &booking::line); })
        .def_property_readonly("booking_age", [](const results& r) { return booking_column(r, &booking::age); },
                               "years at the start of the month (0 if born during it); NaN on a track without ages")
        .def_property_readonly("booking_amount", [](const results& r) { return booking_column(r, &booking::amount); },
                               "DKK");
    // One NumPy property per row of the table (a read-only view, shaped by its dims; None when
    // not held).
    for (const auto& a : result_arrays()) {
        const std::string doc = fmt::format("{}, {}; dims ({}).", a.long_name, a.units.empty() ? "no units" : a.units,
                                            fmt::join(a.dims, ", "));
        results_class.def_property_readonly(a.name.data(), [&a](const py::object& self) { return array_of(self, a); }, doc.c_str());
    }
    m.def("result_arrays", [] {
        py::list out;
        for (const auto& a : result_arrays()) out.append(describe(a));
        return out;
    }, "The table of result arrays: name, dims, units, long_name, optional (a file may lack it).");

    py::class_<replication_options>(m, "ReplicationOptions", "What each replication records beyond the arrays every run has.")
        .def(py::init(&new_replication_options), py::arg("family_costs") = false, py::arg("bookings") = false)
        .def_readonly("family_costs", &replication_options::family_costs, "Also record the per-family output.")
        .def_readonly("bookings", &replication_options::bookings, "Also record the booking log.");

    m.def("run", &run, py::arg("model"), py::arg("seed"), py::arg("first_replication"), py::arg("replications"),
          py::arg("threads") = 1, py::arg("progress") = py::none(), py::arg_v("record", replication_options{}, "ReplicationOptions()"),
          py::arg("deliver") = py::none(), py::arg("block") = 0,
          "Runs replications [first, first + replications) of both arms in C++ threads, GIL released;\n"
          "`record` (ReplicationOptions) says what else to record: per-family output, booking log.\n"
          "With `deliver`, every `block` consecutive replications are passed to deliver(results) as they\n"
          "complete while the threads go on (it returns False to stop); the rest is returned.");
    m.def("budget_costs", [](const py::array_t<double, py::array::c_style | py::array::forcecast>& costs,
                             const std::vector<std::pair<std::uint32_t, std::uint32_t>>& lines, std::size_t budgets,
                             std::size_t kinds) {
        if (costs.ndim() != 4 || static_cast<std::size_t>(costs.shape(2)) != lines.size())
            throw std::invalid_argument(fmt::format("budget_costs: costs must be (replication, arm, line, month) with "
                                                    "{} lines", lines.size()));
        const budget_cost_shape shape{.replications = static_cast<std::size_t>(costs.shape(0)),
                                      .arms = static_cast<std::size_t>(costs.shape(1)),
                                      .months = static_cast<std::size_t>(costs.shape(3)),
                                      .budgets = budgets, .kinds = kinds};
        std::vector<line_destination> where;
        for (const auto& [budget, kind] : lines) where.push_back({budget, kind});
        py::array_t<double> out({costs.shape(0), costs.shape(3), static_cast<py::ssize_t>(budgets), costs.shape(1),
                                 static_cast<py::ssize_t>(kinds)});
        const std::span<const double> in(costs.data(), static_cast<std::size_t>(costs.size()));
        const std::span<double> sums(out.mutable_data(), static_cast<std::size_t>(out.size()));
        {
            py::gil_scoped_release release;
            sum_to_budgets(in, where, shape, sums);
        }
        return out;
    }, py::arg("costs"), py::arg("lines"), py::arg("budgets"), py::arg("kinds"),
          "DKK by (replication, month, budget, arm, kind) from costs by (replication, arm, line, month), each line\n"
          "(its (budget, kind) in `lines`) added in line order from zero (tvaer/results.py budget_costs).");
    m.def("fold_moments", [](py::array mean, py::array m2, std::uint64_t seen, const std::vector<py::array>& sources,
                             std::size_t rows) {
        const auto moments = [](py::array& a, const char* what) {
            if (!py::isinstance<py::array_t<double>>(a) || !(a.flags() & py::array::c_style) || !a.writeable())
                throw std::invalid_argument(fmt::format("fold_moments: {} must be a writeable C-contiguous float64 array",
                                                        what));
            return std::span<double>(static_cast<double*>(a.mutable_data()), static_cast<std::size_t>(a.size()));
        };
        const std::span<double> mean_values = moments(mean, "mean"), m2_values = moments(m2, "m2");
        std::vector<moment_rows> rows_of;
        for (const py::array& s : sources) {
            if (!(s.flags() & py::array::c_style) || s.ndim() < 1 || static_cast<std::size_t>(s.shape(0)) < rows)
                throw std::invalid_argument(fmt::format("fold_moments: each source must be C-contiguous with at least "
                                                        "{} rows", rows));
            const auto width = static_cast<std::size_t>(s.size() / std::max<py::ssize_t>(s.shape(0), 1));
            if (py::isinstance<py::array_t<double>>(s))
                rows_of.push_back({static_cast<const double*>(s.data()), width});
            else if (py::isinstance<py::array_t<std::uint32_t>>(s))
                rows_of.push_back({static_cast<const std::uint32_t*>(s.data()), width});
            else
                throw std::invalid_argument(fmt::format("fold_moments: a source of dtype {} (float64 or uint32 expected)",
                                                        py::str(s.dtype()).cast<std::string>()));
        }
        py::gil_scoped_release release;
        fold_moments(mean_values, m2_values, seen, rows_of, rows);
    }, py::arg("mean"), py::arg("m2"), py::arg("seen"), py::arg("sources"), py::arg("rows"),
          "Folds `rows` replications of `sources` (float64 or uint32 arrays, one row a replication, side by side)\n"
          "into the running `mean` and `m2` of `seen` replications, in place (Welford; tvaer/aggregate.py).");
    m.def("engine_bytes", [](const model& mod, std::uint64_t seed, std::uint32_t replication) {
        const replication_result r = simulate_replication(mod, seed, replication);
        return std::pair{r.arms[0].engine_bytes, r.arms[1].engine_bytes};
    }, py::arg("model"), py::arg("seed"), py::arg("replication"), py::call_guard<py::gil_scoped_release>(),
          "Simulates one replication and returns the bytes of engine state each arm (business as usual, solution)\n"
          "held at its end: every array that grows with the population, by capacity (docs/performance.md).");
}

}  // namespace tvaer::bindings
