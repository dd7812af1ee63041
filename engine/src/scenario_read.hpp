#pragma once
// The readers of the scenario concepts: each turns one table of a scenario document into the
// concept's plain data (scenario.hpp), with its defaults and shape checks; value checks are in the
// concept's validate function next to it. A new scenario field is one line in its reader, one
// check in its validator and one member in scenario.hpp.
#include "reader.hpp"
#include "tvaer/scenario.hpp"

namespace tvaer::detail {

sojourn read_sojourn(reader r);                     // distributions.cpp
refusion_ladder read_refusion(reader r);            // refusion.cpp
reimbursement read_reimbursement(reader r, const std::vector<std::string>& sectors);  // reimbursement.cpp
std::vector<cost_rate> read_costs(reader& r);       // scenario_tracks.cpp
track read_track(reader r);                         // scenario_tracks.cpp
std::vector<effect> read_effects(reader& r, const std::string* default_track);  // scenario_interventions.cpp
intervention read_intervention(reader r);           // scenario_interventions.cpp
/// The queue discipline at key "queue" (interventions and states): "fifo" or "solution_first".
queue_discipline read_queue(reader& r, queue_discipline fallback);  // scenario_interventions.cpp
/// organisation.grant_propensity, ceiling_on, forum_review, payment_model, follow_up over `gb`.
void read_grant_behaviour(reader& r, grant_behaviour& gb);  // scenario_interventions.cpp
selection read_selection(reader r);                 // scenario_solution.cpp
organisation read_organisation(reader r, const std::vector<std::string>& sectors);  // scenario_solution.cpp
population read_population(reader r);               // scenario_population.cpp

}  // namespace tvaer::detail
