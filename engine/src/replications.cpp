#include "tvaer/replications.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <thread>

#include "tvaer/error.hpp"

namespace tvaer {

namespace {

template <class T>
void append_vec(std::vector<T>& into, const std::vector<T>& more) {
    into.insert(into.end(), more.begin(), more.end());
}

void append_family_block(results& r, const arm_result& a) {
    const std::uint64_t before = r.family_offsets.empty() ? 0 : r.family_offsets.back() + r.family_counts.back();
    r.family_offsets.push_back(before);
    r.family_counts.push_back(static_cast<std::uint32_t>(a.family_admitted.size()));
    append_vec(r.family_costs, a.family_costs);
    append_vec(r.family_admitted, a.family_admitted);
    append_vec(r.family_candidate, a.family_candidate);
}

void append_replication(results& r, const replication_result& rr) {
    for (const auto& a : rr.arms) {
        append_vec(r.costs, a.costs.totals());
        append_vec(r.occupancy, a.occupancy.totals());
        append_vec(r.queue, a.queue.totals());
        append_vec(r.transitions, a.transitions);
        append_vec(r.requests, a.requests);
        append_vec(r.starts, a.starts);
        append_vec(r.dropped, a.dropped);
        append_vec(r.wait_months, a.wait_months);
        r.events.push_back(a.events);
        r.admitted.push_back(a.admitted);
        if (r.has_family_costs) append_family_block(r, a);
        if (r.has_bookings) {
            r.booking_counts.push_back(a.bookings.size());
            append_vec(r.bookings, a.bookings);
        }
    }
    ++r.replications;
}

}  // namespace

results make_results(const model& m, std::uint64_t seed, std::uint32_t first_replication) {
    results r;
    r.seed = seed;
    r.first_replication = first_replication;
    r.months = m.months;
    r.budgets = m.budgets;
    for (const auto& l : m.lines) r.line_sources.push_back(l.source);
    r.occupancy_rows = m.occupancy_rows;
    r.transition_rows = m.transition_rows;
    r.interventions = m.intervention_names;
    return r;
}

void results::append(const results& more) {
    if (more.seed != seed || more.months != months || more.line_sources != line_sources) {
        throw error("results.append: the results come from a different scenario or seed");
    }
    // An optional output must be in both or in neither (unless one side holds no replications).
    const auto same_output = [&](bool ours, bool theirs, const char* what) {
        if (ours != theirs && more.replications > 0 && replications > 0) {
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
    if (replications == 0) {
        has_family_costs = more.has_family_costs;
        has_bookings = more.has_bookings;
    }
    append_vec(costs, more.costs);
    append_vec(occupancy, more.occupancy);
    append_vec(queue, more.queue);
    append_vec(transitions, more.transitions);
    append_vec(requests, more.requests);
    append_vec(starts, more.starts);
    append_vec(dropped, more.dropped);
    append_vec(wait_months, more.wait_months);
    append_vec(events, more.events);
    append_vec(admitted, more.admitted);
    const std::uint64_t shift = family_offsets.empty() ? 0 : family_offsets.back() + family_counts.back();
    for (const std::uint64_t o : more.family_offsets) family_offsets.push_back(shift + o);
    append_vec(family_counts, more.family_counts);
    append_vec(family_costs, more.family_costs);
    append_vec(family_admitted, more.family_admitted);
    append_vec(family_candidate, more.family_candidate);
    append_vec(booking_counts, more.booking_counts);
    append_vec(bookings, more.bookings);
    replications += more.replications;
}

results run_replications(const model& m, const run_options& options) {
    const std::uint32_t n = options.replications;
    unsigned threads = options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
    threads = std::min<unsigned>(threads, std::max<std::uint32_t>(n, 1));

    std::vector<std::optional<replication_result>> done(n);
    std::atomic<std::uint32_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::condition_variable cv;
    std::uint32_t finished = 0;
    std::exception_ptr failure;

    auto worker = [&] {
        for (;;) {
            const std::uint32_t i = next.fetch_add(1);
            if (i >= n || stop.load()) return;
            try {
                auto rr = simulate_replication(m, options.seed, options.first_replication + i, options.family_costs,
                                               &stop, options.bookings);
                std::lock_guard lock(mu);
                done[i] = std::move(rr);
                ++finished;
            } catch (const cancelled&) {  // stopped on request: this replication is dropped
                std::lock_guard lock(mu);
                ++finished;
            } catch (...) {
                std::lock_guard lock(mu);
                if (!failure) failure = std::current_exception();
                stop = true;
                ++finished;
            }
            cv.notify_one();
        }
    };
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    {
        std::unique_lock lock(mu);
        std::uint32_t reported = 0;
        while (finished < n && !stop) {
            // Wake at least every 100 ms so that a caller can cancel promptly (Ctrl-C).
            cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished > reported || stop; });
            reported = finished;
            if (options.progress) {
                lock.unlock();
                const bool go_on = options.progress(reported);
                lock.lock();
                if (!go_on) stop = true;
            }
        }
    }
    pool.clear();  // joins
    if (failure) std::rethrow_exception(failure);

    results r = make_results(m, options.seed, options.first_replication);
    r.has_family_costs = options.family_costs;
    r.has_bookings = options.bookings;
    for (std::uint32_t i = 0; i < n && done[i]; ++i) append_replication(r, *done[i]);
    return r;
}

}  // namespace tvaer
