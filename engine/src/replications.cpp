#include "tvaer/replications.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "tvaer/error.hpp"

namespace tvaer {

results run_replications(const model& m, const run_options& options) {
    const std::uint32_t n = options.replications;
    unsigned threads = options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
    threads = std::min<unsigned>(threads, std::max<std::uint32_t>(n, 1));

    // Finished replications wait here only until every earlier one has finished too: the main
    // thread appends them to `r` in order and frees them, so memory holds the aggregated arrays
    // plus the few replications that finished out of order, not every replication twice.
    std::map<std::uint32_t, replication_result> done;
    results r = make_results(m, options.seed, options.first_replication, options.record);
    std::atomic<std::uint32_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::condition_variable cv;
    std::uint32_t finished = 0;
    std::exception_ptr failure;
    replication_options record = options.record;
    record.cancel = &stop;
    const auto cancelled_by_caller = [&] { return options.record.cancel != nullptr && options.record.cancel->load(); };

    // The replications delivered so far (calling thread only) and those delivered or appended
    // (`mu`: the workers read it), and the room a results is given (a block, or what is left).
    // A worker starts a replication at most a block ahead of the appended ones, so that a slow
    // `deliver` holds the threads back instead of letting finished replications pile up.
    const bool blocks = options.block > 0 && options.deliver;
    std::uint32_t delivered = 0;
    std::uint32_t appended = 0;
    std::condition_variable ahead;
    const auto room = [&] { return blocks ? std::min(options.block, n - delivered) : n; };

    auto worker = [&] {
        for (;;) {
            const std::uint32_t i = next.fetch_add(1);
            if (i >= n || stop.load()) return;
            if (blocks) {
                std::unique_lock lock(mu);
                while (!stop.load() && i >= appended + options.block)
                    ahead.wait_for(lock, std::chrono::milliseconds(100));
                if (stop.load()) return;
            }
            try {
                auto rr = simulate_replication(m, options.seed, options.first_replication + i, record);
                std::lock_guard lock(mu);
                done.emplace(i, std::move(rr));
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
    // Hands `r`, once it holds a whole block, to `deliver` and starts the next (`lock` not held).
    // A stopped run delivers no more: what is complete after the last block is returned.
    const auto deliver_full = [&] {
        if (!blocks || stop || r.replications < options.block) return;
        delivered += r.replications;
        results full = std::exchange(r, make_results(m, options.seed, options.first_replication + delivered,
                                                     options.record));
        bool go_on = false;
        try {
            go_on = options.deliver(std::move(full));
        } catch (...) {  // the caller's error: stop the threads first, then raise it
            std::lock_guard lock(mu);
            if (!failure) failure = std::current_exception();
        }
        if (!go_on) stop = true;
    };
    // Appends the finished replications that follow those already appended (`lock` held on
    // entry and exit; released while appending and delivering).
    const auto append_ready = [&](std::unique_lock<std::mutex>& lock) {
        for (auto it = done.begin(); it != done.end() && it->first == appended; it = done.begin()) {
            auto node = done.extract(it);
            lock.unlock();
            append_replication(r, node.mapped());
            if (r.replications == 1) reserve_replications(r, room());
            node = {};  // frees the replication before the lock is taken again
            deliver_full();
            lock.lock();
            appended = delivered + r.replications;
            if (blocks) ahead.notify_all();
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
            append_ready(lock);
            if (options.progress) {
                lock.unlock();
                const bool go_on = options.progress(reported);
                lock.lock();
                if (!go_on) stop = true;
            }
            if (cancelled_by_caller()) stop = true;
        }
    }
    ahead.notify_all();  // a stopped run's threads waiting for room see the stop at once
    pool.clear();        // joins
    if (failure) std::rethrow_exception(failure);
    {
        std::unique_lock lock(mu);
        append_ready(lock);  // the consecutive finished ones; a cancelled run drops the rest
    }
    return r;
}

}  // namespace tvaer
