#pragma once
/// A test hook, not an API: with `TVAER_TEST_CRASH_AT=<stage>:<n>` in its environment, a process
/// kills itself with SIGKILL (no destructor, atexit handler or buffer flush runs) the n-th time
/// it reaches `stage` in the results writer (results_file.cpp), so that tests can crash a writer
/// at each point that matters for crash safety, every time (docs/results-format.md, "Crash
/// safety"; tests/python/test_kill_safety.py). Private to the engine's sources.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tvaer::detail::crash_hook {

/// The points of the results writer where a test may crash it.
enum class stage {
    committed,  ///< a write (renamed into place) or an append (journal removed) is complete
    journaled,  ///< an append has saved its undo journal and not yet changed the file
    extending,  ///< an append has extended its first datasets, not the others (flushed to the file)
    appended,   ///< an append has closed the file and not yet removed its journal
};

struct plan {
    stage at = stage::committed;
    std::uint64_t n = 0;  ///< which arrival at `at`, counted from 1 in this process
};

/// Reads a value of TVAER_TEST_CRASH_AT; empty: no plan. Throws std::invalid_argument
/// `TVAER_TEST_CRASH_AT: expected <stage>:<n> with <stage> one of committed, journaled,
/// extending, appended and <n> an integer >= 1, got 'x'`.
std::optional<plan> parse(std::string_view text);

/// This process's plan: TVAER_TEST_CRASH_AT, read and parsed on the first call. Throws as parse
/// on every call while the value is invalid (writers call it before they touch a file).
const std::optional<plan>& planned();

/// Counts an arrival at `s` when `s` is the planned stage; whether it is the planned arrival.
bool due(stage s);

/// raise(SIGKILL).
[[noreturn]] void die();

}  // namespace tvaer::detail::crash_hook
