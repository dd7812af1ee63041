#pragma once
/// Analytic (expected-value) mode: the expected occupancy and costs of a compiled model, per
/// family and in total, computed from the generator matrix of each member's extended state
/// instead of by simulation. An instant answer for planners; see docs/analytic.md.
///
/// Supported models: every state clock is exponential (no `duration` on any state); every
/// intervention has unlimited capacity (0), an exponential duration, no decision delay for the
/// treatment asked for, and effects only on its own track; the population is closed and
/// generated (no table, arrivals or leaving), and with treatment::solution the organisation has
/// no meeting cycle or ceiling. Members are then independent, and a member's stage together
/// with the set of its active interventions is a Markov chain.
///
/// Selection is ignored: the treatment asked for applies to every family from t = 0 (so with
/// treatment::solution the "solution/families" row is one family per family-month, the
/// organisation's effects act on every member, and the staff line is booked in full).
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "tvaer/model.hpp"

namespace tvaer {

/// Expected values of one treatment. Matrices are (row or line) x month; columns are months
/// [m, m+1). Rows and lines are those of the model (`occupancy_rows`, `lines`), in its order.
struct expected_values {
    treatment group = treatment::usual;
    std::size_t months = 0;
    double families = 0.0;                      ///< the scenario's number of families
    std::vector<std::string> occupancy_rows;    ///< model.occupancy_rows
    std::vector<std::string> line_sources;      ///< model.lines[i].source (details in model.lines)
    Eigen::MatrixXd occupancy_per_family;       ///< expected member-months per family
    Eigen::MatrixXd costs_per_family;           ///< expected DKK per family (staff: per family share)
    Eigen::MatrixXd occupancy;                  ///< totals: per family x families
    Eigen::MatrixXd costs;                      ///< totals: per family x families (staff: in full)
    std::size_t extended_states = 0;            ///< size of the largest generator used
};

/// Computes the expected values of `m` for every family treated with `group`.
/// Throws tvaer::error naming the first feature that makes `m` unsupported (see the header
/// comment), e.g. `analytic mode: tracks[0].states[2] has a non-exponential duration`, or when
/// a track's extended state space exceeds `max_extended_states`.
expected_values expected(const model& m, treatment group, std::size_t max_extended_states = 2048);

/// Throws the error `expected()` would throw for `m` and `group`; returns quietly if supported.
void require_analytic_support(const model& m, treatment group);

}  // namespace tvaer
