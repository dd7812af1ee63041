#pragma once
/// The engine's one error hierarchy. Bindings map these once (see bindings/register_errors.cpp).
#include <stdexcept>
#include <string>

namespace tvaer {

/// Base class of every error the engine throws on purpose.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A scenario that does not make sense. `what()` starts with the key path, e.g.
/// `tracks[0].states[2].costs[1].rate: must be >= 0, got -5`.
class scenario_error : public error {
public:
    scenario_error(const std::string& key_path, const std::string& message)
        : error(key_path + ": " + message), key_path_(key_path) {}
    [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }

private:
    std::string key_path_;
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
