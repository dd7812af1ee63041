#include "tvaer/results.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

#include "tvaer/error.hpp"

namespace tvaer {

namespace {

template <class T>
void append_vec(std::vector<T>& into, const std::vector<T>& more) {
    into.insert(into.end(), more.begin(), more.end());
}

// Collectors: how one arm's values of an array are appended (result_column::collect).
template <ledger arm_result::*L>
void from_ledger(std::vector<double>& into, const arm_result& a) { append_vec(into, (a.*L).totals()); }

template <class T, std::vector<T> arm_result::*V>
void from_vector(std::vector<T>& into, const arm_result& a) { append_vec(into, a.*V); }

template <class T, T arm_result::*S>
void from_scalar(std::vector<T>& into, const arm_result& a) { into.push_back(a.*S); }

// One group's half of a by-group array (arm_result::group_starts and the like): group 0, the
// families treated as usual, or group 1, the families inside the solution.
template <class T, std::vector<T> arm_result::*V, std::size_t G>
void from_group(std::vector<T>& into, const arm_result& a) {
    const auto& v = a.*V;
    const auto half = static_cast<std::ptrdiff_t>(v.size() / 2);
    into.insert(into.end(), v.begin() + static_cast<std::ptrdiff_t>(G) * half, v.begin() + static_cast<std::ptrdiff_t>(G + 1) * half);
}

void family_count(std::vector<std::uint32_t>& into, const arm_result& a) {
    into.push_back(static_cast<std::uint32_t>(a.family_admitted.size()));
}

using dims = std::vector<std::string_view>;
constexpr bool results::*always = nullptr;
constexpr bool results::*with_families = &results::has_family_costs;
constexpr bool results::*with_place_queues = &results::has_place_queues;

// The table (docs/results-format.md "Data variables" and "Per-family costs"). File order.
const result_array table[] = {
    {"costs", dims{"replication", "arm", "line", "month"}, "DKK", "cost booked on each ledger line in each month",
     always, false, result_column<double>{&results::costs, from_ledger<&arm_result::costs>}},
    {"occupancy", dims{"replication", "arm", "occupancy_row", "month"}, "member-months",
     "time members spent in each state in each month (families for solution/families)", always, false,
     result_column<double>{&results::occupancy, from_ledger<&arm_result::occupancy>}},
    {"queue", dims{"replication", "arm", "intervention", "month"}, "request-months",
     "time-integral of each intervention's queue in each month", always, false,
     result_column<double>{&results::queue, from_ledger<&arm_result::queue>}},
    {"transitions", dims{"replication", "arm", "month", "transition_row"}, "count", "state transitions in each month",
     always, false,
     result_column<std::uint32_t>{&results::transitions, from_vector<std::uint32_t, &arm_result::transitions>}},
    {"requests", dims{"replication", "arm", "month", "intervention"}, "count", "intervention requests in each month",
     always, false, result_column<std::uint32_t>{&results::requests, from_vector<std::uint32_t, &arm_result::requests>}},
    {"starts", dims{"replication", "arm", "month", "intervention"}, "count", "intervention starts in each month",
     always, false, result_column<std::uint32_t>{&results::starts, from_vector<std::uint32_t, &arm_result::starts>}},
    {"dropped", dims{"replication", "arm", "month", "intervention"}, "count",
     "requests dropped from a queue in each month", always, false,
     result_column<std::uint32_t>{&results::dropped, from_vector<std::uint32_t, &arm_result::dropped>}},
    {"wait_months", dims{"replication", "arm", "month", "intervention"}, "months",
     "summed wait of the intervention starts of each month", always, false,
     result_column<double>{&results::wait_months, from_vector<double, &arm_result::wait_months>}},
    {"requests_ordinary", dims{"replication", "arm", "month", "intervention"}, "count",
     "intervention requests decided in each month: families treated as usual", always, true,
     result_column<std::uint32_t>{&results::requests_ordinary, from_group<std::uint32_t, &arm_result::group_requests, 0>}},
    {"requests_solution", dims{"replication", "arm", "month", "intervention"}, "count",
     "intervention requests decided in each month: families inside the solution", always, true,
     result_column<std::uint32_t>{&results::requests_solution, from_group<std::uint32_t, &arm_result::group_requests, 1>}},
    {"starts_ordinary", dims{"replication", "arm", "month", "intervention"}, "count",
     "intervention starts in each month: families treated as usual", always, true,
     result_column<std::uint32_t>{&results::starts_ordinary, from_group<std::uint32_t, &arm_result::group_starts, 0>}},
    {"starts_solution", dims{"replication", "arm", "month", "intervention"}, "count",
     "intervention starts in each month: families inside the solution", always, true,
     result_column<std::uint32_t>{&results::starts_solution, from_group<std::uint32_t, &arm_result::group_starts, 1>}},
    {"dropped_ordinary", dims{"replication", "arm", "month", "intervention"}, "count",
     "requests dropped from a queue in each month: families treated as usual", always, true,
     result_column<std::uint32_t>{&results::dropped_ordinary, from_group<std::uint32_t, &arm_result::group_dropped, 0>}},
    {"dropped_solution", dims{"replication", "arm", "month", "intervention"}, "count",
     "requests dropped from a queue in each month: families inside the solution", always, true,
     result_column<std::uint32_t>{&results::dropped_solution, from_group<std::uint32_t, &arm_result::group_dropped, 1>}},
    {"wait_months_ordinary", dims{"replication", "arm", "month", "intervention"}, "months",
     "summed queue wait (decision to start) of the intervention starts of each month: families treated as usual", always, true,
     result_column<double>{&results::wait_months_ordinary, from_group<double, &arm_result::group_wait_months, 0>}},
    {"wait_months_solution", dims{"replication", "arm", "month", "intervention"}, "months",
     "summed queue wait (decision to start) of the intervention starts of each month: families inside the solution", always, true,
     result_column<double>{&results::wait_months_solution, from_group<double, &arm_result::group_wait_months, 1>}},
    {"decision_wait_months_ordinary", dims{"replication", "arm", "month", "intervention"}, "months",
     "summed decision wait (request to decision) of the requests decided in each month: families treated as usual", always, true,
     result_column<double>{&results::decision_wait_months_ordinary, from_group<double, &arm_result::group_decision_wait, 0>}},
    {"decision_wait_months_solution", dims{"replication", "arm", "month", "intervention"}, "months",
     "summed decision wait (request to decision) of the requests decided in each month: families inside the solution", always, true,
     result_column<double>{&results::decision_wait_months_solution, from_group<double, &arm_result::group_decision_wait, 1>}},
    {"redirected_ordinary", dims{"replication", "arm", "month", "occupancy_row"}, "count",
     "members who found every place of a state taken and went to its when_full state: families treated as usual",
     always, true,
     result_column<std::uint32_t>{&results::redirected_ordinary, from_group<std::uint32_t, &arm_result::group_redirected, 0>}},
    {"redirected_solution", dims{"replication", "arm", "month", "occupancy_row"}, "count",
     "members who found every place of a state taken and went to its when_full state: families inside the solution",
     always, true,
     result_column<std::uint32_t>{&results::redirected_solution, from_group<std::uint32_t, &arm_result::group_redirected, 1>}},
    {"placed_ordinary", dims{"replication", "arm", "month", "occupancy_row"}, "count",
     "members who waited for a place of a state (tracks.states.queue) and moved in in each month: families treated as usual",
     with_place_queues, true,
     result_column<std::uint32_t>{&results::placed_ordinary, from_group<std::uint32_t, &arm_result::group_placed, 0>}},
    {"placed_solution", dims{"replication", "arm", "month", "occupancy_row"}, "count",
     "members who waited for a place of a state (tracks.states.queue) and moved in in each month: families inside the solution",
     with_place_queues, true,
     result_column<std::uint32_t>{&results::placed_solution, from_group<std::uint32_t, &arm_result::group_placed, 1>}},
    {"place_wait_months_ordinary", dims{"replication", "arm", "month", "occupancy_row"}, "months",
     "summed wait for a place (sent to when_full to moving in) of the members placed in each month: families treated as usual",
     with_place_queues, true,
     result_column<double>{&results::place_wait_months_ordinary, from_group<double, &arm_result::group_place_wait, 0>}},
    {"place_wait_months_solution", dims{"replication", "arm", "month", "occupancy_row"}, "months",
     "summed wait for a place (sent to when_full to moving in) of the members placed in each month: families inside the solution",
     with_place_queues, true,
     result_column<double>{&results::place_wait_months_solution, from_group<double, &arm_result::group_place_wait, 1>}},
    {"events", dims{"replication", "arm"}, "count", "events simulated (transitions, starts, ends, queue joins, delayed decisions, arrivals, leavers)", always,
     false, result_column<std::uint64_t>{&results::events, from_scalar<std::uint64_t, &arm_result::events>}},
    {"admitted", dims{"replication", "arm"}, "count", "families ever admitted into the solution", always, false,
     result_column<std::uint32_t>{&results::admitted, from_scalar<std::uint32_t, &arm_result::admitted>}},
    // Per-family output: blocks of families in (replication, arm) order along "family_record".
    // family_count comes first: it gives the blocks' sizes, so the extent of family_record.
    {"family_count", dims{"replication", "arm"}, "count", "families simulated in each replication and arm",
     with_families, true, result_column<std::uint32_t>{&results::family_counts, family_count}},
    {"family_cost", dims{"family_record", "year", "budget", "registration"}, "DKK",
     "what each family cost each paying budget in each year", with_families, true,
     result_column<double>{&results::family_costs, from_vector<double, &arm_result::family_costs>}},
    {"family_admitted", dims{"family_record"}, "month", "month the family was first admitted into the solution, or -1",
     with_families, true,
     result_column<std::int32_t>{&results::family_admitted, from_vector<std::int32_t, &arm_result::family_admitted>}},
    {"family_candidate", dims{"family_record"}, "", "eligible and motivated when considered (1) or not (0)",
     with_families, true,
     result_column<std::uint8_t>{&results::family_candidate, from_vector<std::uint8_t, &arm_result::family_candidate>}},
};

const name_dimension names[] = {
    {"line", &results::line_sources, "ledger line, named by its cost source"},
    {"occupancy_row", &results::occupancy_rows, "occupancy row (track/state)"},
    {"transition_row", &results::transition_rows, "transition row (track/from->to)"},
    {"intervention", &results::interventions, "intervention"},
    {"budget", &results::budgets, "paying budget (the scenario's sectors, then solution)"},
};

/// Families before the next per-family block (the blocks' offsets are a prefix sum).
std::uint64_t next_offset(const results& r) {
    return r.family_offsets.empty() ? 0 : r.family_offsets.back() + r.family_counts.back();
}

const result_array* find_array(std::string_view name) {
    for (const auto& a : table) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

}  // namespace

std::span<const result_array> result_arrays() { return table; }

std::span<const name_dimension> name_dimensions() { return names; }

bool results::holds(std::string_view name) const {
    const auto* a = find_array(name);
    if (a == nullptr) return false;
    if (a->recorded_with != nullptr && !(this->*(a->recorded_with))) return false;
    return std::find(absent.begin(), absent.end(), name) == absent.end();
}

std::uint64_t family_records(const results& r) {
    std::uint64_t n = 0;
    for (const auto c : r.family_counts) n += c;
    return n;
}

std::size_t dimension_size(const results& r, std::string_view dim) {
    if (dim == "replication") return r.replications;
    if (dim == "family_record") return family_records(r);
    if (dim == "arm" || dim == "registration") return 2;
    if (dim == "month") return r.months;
    if (dim == "year") return family_years(r.months);
    for (const auto& n : names) {
        if (dim == n.name) return (r.*n.names).size();
    }
    throw std::invalid_argument(fmt::format("result arrays: unknown dimension '{}'", dim));
}

std::vector<std::size_t> shape_of(const results& r, const result_array& a) {
    std::vector<std::size_t> out;
    for (const auto d : a.dims) out.push_back(dimension_size(r, d));
    return out;
}

results make_results(const model& m, std::uint64_t seed, std::uint32_t first_replication,
                     const replication_options& options) {
    results r;
    r.seed = seed;
    r.first_replication = first_replication;
    r.months = m.months;
    r.budgets = m.budgets;
    for (const auto& l : m.lines) r.line_sources.push_back(l.source);
    r.occupancy_rows = m.occupancy_rows;
    r.transition_rows = m.transition_rows;
    r.interventions = m.intervention_names;
    r.has_family_costs = options.family_costs;
    r.has_place_queues = m.place_queues;
    r.has_bookings = options.bookings;
    return r;
}

void append_replication(results& r, const replication_result& rr) {
    for (const auto& a : rr.arms) {
        if (r.has_family_costs) r.family_offsets.push_back(next_offset(r));
        for (const auto& row : table) {
            if (!r.holds(row.name)) continue;
            std::visit([&](const auto& c) { c.collect(r.*c.data, a); }, row.column);
        }
        if (r.has_bookings) {
            r.booking_counts.push_back(a.bookings.size());
            append_vec(r.bookings, a.bookings);
        }
    }
    ++r.replications;
}

void reserve_replications(results& r, std::uint32_t total) {
    if (r.replications == 0 || total <= r.replications) return;
    for_each_held_array(r, [&](const result_array&, auto& v) { v.reserve(v.size() / r.replications * total); });
    if (r.has_family_costs) r.family_offsets.reserve(r.family_offsets.size() / r.replications * total);
}

void results::append(const results& more) {
    if (more.seed != seed || more.months != months || more.line_sources != line_sources) {
        throw error("results.append: the results come from a different scenario or seed");
    }
    // An optional output must be in both or in neither (unless one side holds no replications).
    const bool both = more.replications > 0 && replications > 0;
    const auto same_output = [&](bool ours, bool theirs, std::string_view what) {
        if (ours != theirs && both) {
            throw error(fmt::format("results.append: {} recorded in {} but not in the other", what,
                                    ours ? "these results" : "the appended results"));
        }
    };
    same_output(has_family_costs, more.has_family_costs, "per-family costs are");
    if (more.first_replication != first_replication + replications) {
        throw error(fmt::format("results.append: replications must follow on: expected first replication {}, got {}",
                                first_replication + replications, more.first_replication));
    }
    same_output(has_bookings, more.has_bookings, "the booking log is");
    for (const auto& row : table) {
        same_output(holds(row.name), more.holds(row.name), fmt::format("array '{}' is", row.name));
    }
    if (replications == 0) {
        has_family_costs = more.has_family_costs;
        has_place_queues = more.has_place_queues;
        has_bookings = more.has_bookings;
        absent = more.absent;
    }
    const std::uint64_t shift = next_offset(*this);
    for (const std::uint64_t o : more.family_offsets) family_offsets.push_back(shift + o);
    for (const auto& row : table) {
        std::visit([&](const auto& c) { append_vec(this->*c.data, more.*c.data); }, row.column);
    }
    append_vec(booking_counts, more.booking_counts);
    append_vec(bookings, more.bookings);
    replications += more.replications;
}

}  // namespace tvaer
