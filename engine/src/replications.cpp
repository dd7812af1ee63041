#include "tvaer/replications.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "tvaer/error.hpp"

namespace tvaer {

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
    replication_options record = options.record;
    record.cancel = &stop;
    const auto cancelled_by_caller = [&] { return options.record.cancel != nullptr && options.record.cancel->load(); };

    auto worker = [&] {
        for (;;) {
            const std::uint32_t i = next.fetch_add(1);
            if (i >= n || stop.load()) return;
            try {
                auto rr = simulate_replication(m, options.seed, options.first_replication + i, record);
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
            if (cancelled_by_caller()) stop = true;
        }
    }
    pool.clear();  // joins
    if (failure) std::rethrow_exception(failure);

    results r = make_results(m, options.seed, options.first_replication, options.record);
    for (std::uint32_t i = 0; i < n && done[i]; ++i) append_replication(r, *done[i]);
    return r;
}

}  // namespace tvaer
