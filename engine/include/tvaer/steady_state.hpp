#pragma once
/// The steady state of an open population (`population.initial = "steady_state"`).
///
/// Families arrive with each track's `initial` mix, their members move between states as usual
/// and whole families leave at rate r per month. Once that has run long enough, the ages of the
/// families present are exponential with rate r, so a member is in state j with share
///   pi_j = integral over ages a of r e^{-ra} P(in j at age a | started with the arrivals' mix).
/// For a track whose states are left after a sojourn T_i (competing exponential rates, or a
/// `duration` with destination probabilities P_ij) that is a discounted semi-Markov sum:
///   v = a + v M,  M_ij = E[e^{-r T_i}] P_ij,   pi_i = v_i (1 - E[e^{-r T_i}]),
/// where v_i is the expected discounted number of entries into state i (for competing rates it is
/// pi = r a (rI - Q)^{-1}). The generated families at t = 0 start in pi instead of `initial`, so
/// the mix, and with it the cost per family, stays level from month 0 (docs/calibration.md).
///
/// What it leaves out: interventions' effects on the rates while they run, state capacities
/// (`when_full`), and the ages of sojourns at t = 0 (a member's clock starts afresh at t = 0, which
/// is exact for exponential states only).
#include <vector>

#include "tvaer/distributions.hpp"
#include "tvaer/model.hpp"

namespace tvaer {

/// E[exp(-r T)] for a sojourn T drawn from `d` (its Laplace transform at r): closed forms for the
/// exponential and fixed durations, a 16,384-point midpoint rule on u = 1 - e^{-rt} otherwise
/// (E[e^{-rT}] = 1 - integral_0^1 S(-ln(1 - u) / r) du, S the survival function).
/// Throws std::invalid_argument unless r > 0 and finite.
[[nodiscard]] double laplace_transform(const sojourn& d, double r);

/// The share of track `t`'s members in each of its states in the steady state of an open
/// population whose families arrive with shares `arrivals` (one per state) and leave at
/// `leave_rate` per month. The shares sum to 1. Throws std::invalid_argument unless leave_rate > 0
/// and finite and `arrivals` has one share per state.
[[nodiscard]] std::vector<double> steady_state_mix(const detail::compiled_track& t, const std::vector<double>& arrivals,
                                                   double leave_rate);

}  // namespace tvaer
