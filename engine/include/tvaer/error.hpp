#pragma once
/// The engine's one error hierarchy. Bindings map these once (see bindings/register_errors.cpp).
#include <stdexcept>
#include <cstdint>
#include <string>
#include <utility>

namespace tvaer {

/// Base class of every error the engine throws on purpose.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Where a value of a scenario came from: a file position, an override made in code, or only a
/// file name (a scenario generated from data has no meaningful positions). See document.hpp.
struct origin {
    std::string file;            ///< the scenario file (may be empty)
    std::uint32_t line = 0;      ///< 1-based; 0: unknown
    std::uint32_t column = 0;    ///< 1-based; 0: unknown
    std::string override_path;   ///< non-empty: the value was written by this override

    /// `FILE:LINE:COL`, `FILE (override 'PATH')`, `FILE`, or empty.
    [[nodiscard]] std::string describe() const;
};

/// A scenario that does not make sense. `what()` is `ORIGIN: KEY.PATH: MESSAGE`, e.g.
/// `scenarios/x.toml:12:3: tracks.adult.states.out.costs[1].monthly: must be >= 0, got -5`;
/// without a known origin it starts with the key path.
class scenario_error : public error {
public:
    scenario_error(const std::string& key_path, const std::string& message, origin where = {})
        : error(compose(key_path, message, where)), key_path_(key_path), message_(message), where_(std::move(where)) {}
    [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }
    /// The message after the key path.
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const origin& where() const noexcept { return where_; }

private:
    static std::string compose(const std::string& key_path, const std::string& message, const origin& where);
    std::string key_path_, message_;
    origin where_;
};

/// A failure while a simulation runs; names the simulated time and the event.
class simulation_error : public error {
public:
    using error::error;
};

/// A run stopped on request (run_options::progress returned false) before it finished; thrown by
/// simulate_arm when its cancel flag is set, and caught by run_replications, which keeps the
/// replications that are complete.
class cancelled : public error {
public:
    cancelled() : error("the run was cancelled") {}
};

/// A results file that cannot be written or read.
class file_error : public error {
public:
    using error::error;
};

}  // namespace tvaer
