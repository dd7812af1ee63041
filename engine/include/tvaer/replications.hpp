#pragma once
/// Many replications of a model, in threads, merged in replication order.
///
/// Replication r of seed s is the same numbers whichever thread or machine runs it (keyed
/// streams, rng.hpp), so results of disjoint replication ranges can be computed anywhere and
/// merged with `append()`; the merged arrays equal a single run over the whole range bit for bit.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tvaer/model.hpp"
#include "tvaer/results.hpp"

namespace tvaer {

struct run_options {
    std::uint64_t seed = 1;
    std::uint32_t first_replication = 0;
    std::uint32_t replications = 1;
    unsigned threads = 1;  ///< 0: one per hardware thread
    /// Called from the calling thread as replications complete and at least every 100 ms
    /// (argument: how many are done); returning false stops the run early: replications not yet
    /// started are skipped, those running are abandoned within a few thousand events.
    std::function<bool(std::uint32_t)> progress;
    /// What each replication records (its `cancel` is honoured too: set, it stops the run like
    /// `progress` returning false). After `progress`, so that positional initialisers
    /// {seed, first, count, threads, progress} stay valid.
    replication_options record{};
    /// With `block` > 0: every `block` consecutive replications, in order, are handed to
    /// `deliver` from the calling thread as soon as they are complete, while the threads go on
    /// with the next (a caller folding or writing blocks does not stop them between blocks).
    /// `deliver` returning false stops the run as `progress` does. run_replications then returns
    /// the replications after the last block delivered (fewer than `block`; none when `block`
    /// divides the count). Delivered or returned, the bytes are those of one results of all.
    std::uint32_t block = 0;
    std::function<bool(results&&)> deliver{};
};

/// Runs replications [first, first + replications) on `threads` threads. Deterministic whatever
/// the thread count. Stops early (returning the complete prefix) when `progress` returns false.
/// With `block` and `deliver`, returns only what follows the blocks delivered (see run_options).
/// An exception in any replication stops the run and is rethrown after the threads have joined.
results run_replications(const model& m, const run_options& options);

}  // namespace tvaer
