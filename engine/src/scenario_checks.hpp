#pragma once
// Value checks shared by the scenario concepts' readers and validators (scenario_*.cpp). Every
// check throws scenario_error naming the key path as the planner wrote it.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <string>
#include <vector>

#include "tvaer/document.hpp"
#include "tvaer/error.hpp"
#include "tvaer/scenario.hpp"

namespace tvaer::detail {

inline void require(bool ok, const std::string& where, const std::string& message) {
    if (!ok) throw scenario_error(where, message);
}

inline void require_nonnegative(double v, const std::string& where) {
    require(v >= 0.0 && std::isfinite(v), where, fmt::format("must be >= 0 and finite, got {}", v));
}

/// Money amounts (DKK a month, once, or a year) up to a trillion kroner: far above any municipal
/// budget, and far enough below the largest double that sums over families and months stay finite.
inline constexpr double max_amount = 1e12;

inline void require_amount(double v, const std::string& where) {
    require(v >= 0.0 && v <= max_amount, where, fmt::format("must be an amount in [0, 1e12] DKK, got {}", v));
}

inline void require_share(double v, const std::string& where) {
    require(v >= 0.0 && v <= 1.0, where, fmt::format("must be a share in [0, 1], got {}", v));
}

/// `names[i]` gives the key path of share i (`at(where, i)` for a list, `where.name` for a table).
template <class Name>
void require_sums_to_one(const std::vector<double>& shares, const std::string& where, Name&& name) {
    double sum = 0.0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
        require_share(shares[i], name(i));
        sum += shares[i];
    }
    require(std::abs(sum - 1.0) < 1e-9, where, fmt::format("shares must sum to 1, got {}", sum));
}

inline std::string at(const std::string& base, std::size_t i) { return fmt::format("{}[{}]", base, i); }

template <class Names>
void require_known(const Names& names, const std::string& name, const std::string& where, const char* what) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
        throw scenario_error(where, fmt::format("unknown {} '{}' (known: {})", what, name, fmt::join(names, ", ")));
    }
}

/// Names of list items must be unique and non-empty; the error names the item by index.
inline void validate_unique(const std::vector<std::string>& names, const std::string& where) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        require(!names[i].empty(), at(where, i), "must not be empty");
        for (std::size_t j = 0; j < i; ++j) {
            require(names[j] != names[i], at(where, i), fmt::format("duplicate name '{}'", names[i]));
        }
    }
}

inline std::vector<std::string> state_names(const track& t) {
    std::vector<std::string> out;
    for (const auto& s : t.states) out.push_back(s.name);
    return out;
}

inline std::vector<std::string> track_names(const scenario& sc) {
    std::vector<std::string> out;
    for (const auto& t : sc.tracks) out.push_back(t.name);
    return out;
}

/// The track named `name`; throws naming `where` if there is none.
inline const track& known_track(const scenario& sc, const std::string& name, const std::string& where) {
    for (const auto& t : sc.tracks)
        if (t.name == name) return t;
    require_known(track_names(sc), name, where, "track");
    throw scenario_error(where, "unknown track");  // not reached
}

/// A key of shares per sector (payment and salary keys): known sectors, shares summing to 1.
inline void validate_key(const scenario& sc, const std::map<std::string, double>& key, const std::string& where) {
    double sum = 0.0;
    for (const auto& [sector, share] : key) {
        require_known(sc.sectors, sector, where + "." + sector, "sector");
        require_share(share, where + "." + sector);
        sum += share;
    }
    require(std::abs(sum - 1.0) < 1e-9, where, fmt::format("shares must sum to 1, got {}", sum));
}

void validate_costs(const scenario& sc, const std::vector<cost_rate>& costs, const std::string& where, const track* tr);
void validate_effects(const scenario& sc, const std::vector<effect>& effects, const std::string& where);
void validate_track(const scenario& sc, const track& t, const std::string& where);
void validate_intervention(const scenario& sc, const intervention& iv, const std::string& where);
void validate_population(const scenario& sc, const population& p);
void validate_solution(const scenario& sc);
void validate_grant_behaviour(const grant_behaviour& gb);                                        // scenario_interventions.cpp
void validate_grant_share(const scenario& sc, const intervention& iv, const std::string& where);  // scenario_interventions.cpp

}  // namespace tvaer::detail
