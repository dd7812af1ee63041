#include "tvaer/analytic.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <unsupported/Eigen/MatrixFunctions>
#include <utility>

#include "tvaer/error.hpp"
#include "tvaer/intervention.hpp"

namespace tvaer {

namespace {

using Eigen::MatrixXd;
using Eigen::RowVectorXd;

[[noreturn]] void unsupported(const std::string& what) { throw error("analytic mode: " + what); }

void check_intervention(const model& m, std::size_t i, int g) {
    const auto& iv = m.spec.interventions[i];
    const auto& ci = m.interventions[i];
    const auto where = fmt::format("interventions[{}] ('{}')", i, iv.name);
    if (ci.capacity != 0) {
        unsupported(fmt::format("{} has capacity {}; only unlimited capacity (0) is supported", where, ci.capacity));
    }
    if (ci.duration.kind != sojourn_kind::exponential) unsupported(where + " has a non-exponential duration");
    if (ci.available[g] && ci.delay[g]) unsupported(where + " has a decision delay for this treatment");
    const double granted = g == 0 ? ci.grant_share : std::min(ci.grant_below, ci.grant_above);
    if (ci.available[g] && granted < 1.0) {
        unsupported(fmt::format("{} is granted to a share {} of its requests in this treatment (grant_share, "
                                "organisation.grant_propensity); only 1 is supported", where, granted));
    }
    for (std::size_t e = 0; e < ci.effects.size(); ++e) {
        if (ci.effects[e].track != ci.track) {
            unsupported(fmt::format("{}.effects[{}] acts on track '{}', not on the intervention's own track '{}'",
                                    where, e, iv.effects[e].track, iv.track));
        }
    }
}

// A member's extended state: its stage and the set of its active interventions (bit per index).
using ext_state = std::pair<std::uint8_t, std::uint64_t>;

// The Markov chain of one member of one track under one treatment, built by breadth-first
// search from the initial states. Columns of `weights` are the model's occupancy rows, then its
// ledger lines: occupancy indicators, monthly cost rates, and one-off amounts times jump rates
// (so that integrating a row of the state distribution against it gives expected lumps too).
class chain_builder {
public:
    chain_builder(const model& m, std::size_t track, treatment g, std::size_t max_states)
        : m_(m), t_(static_cast<std::uint8_t>(track)), g_(static_cast<int>(g)), max_(max_states),
          columns_(m.occupancy_rows.size() + m.lines.size()), lines_at_(m.occupancy_rows.size()) {
        for (std::size_t i = 0; i < m.interventions.size(); ++i) {
            const auto& ci = m.interventions[i];
            if (ci.track == t_ && ci.available[g_]) own_ |= 1ull << i;
        }
    }

    void build() {
        const auto& tr = m_.spec.tracks[t_];
        initial_lumps_ = RowVectorXd::Zero(static_cast<Eigen::Index>(columns_));
        std::vector<std::pair<std::size_t, double>> starts;
        for (std::size_t s = 0; s < tr.initial.size(); ++s) {
            if (tr.initial[s] <= 0.0) continue;
            const auto [x, lumps] = enter(static_cast<std::uint8_t>(s), 0);
            starts.emplace_back(x, tr.initial[s]);
            initial_lumps_ += tr.initial[s] * lumps;
        }
        for (std::size_t x = 0; x < states_.size(); ++x) expand(x);
        const auto n = static_cast<Eigen::Index>(states_.size());
        initial_ = RowVectorXd::Zero(n);
        for (const auto& [x, share] : starts) initial_(static_cast<Eigen::Index>(x)) += share;
        generator_ = MatrixXd::Zero(n, n);
        for (const auto& [x, y, rate] : edges_) {
            generator_(static_cast<Eigen::Index>(x), static_cast<Eigen::Index>(y)) += rate;
            generator_(static_cast<Eigen::Index>(x), static_cast<Eigen::Index>(x)) -= rate;
        }
        weights_ = MatrixXd::Zero(n, static_cast<Eigen::Index>(columns_));
        for (std::size_t x = 0; x < states_.size(); ++x) fill_weights(x);
        for (const auto& [x, lumps] : jump_lumps_) weights_.row(static_cast<Eigen::Index>(x)) += lumps;
    }

    const MatrixXd& generator() const { return generator_; }
    const MatrixXd& weights() const { return weights_; }
    const RowVectorXd& initial() const { return initial_; }
    const RowVectorXd& initial_lumps() const { return initial_lumps_; }

private:
    double benefit_share(int benefit) const {
        return benefit < 0 ? 1.0 : m_.spec.tracks[t_].benefit_shares[static_cast<std::size_t>(benefit)];
    }

    // Adds each cost's amount (one-off or monthly), weighted by the share of members it applies to.
    void add_costs(const std::vector<detail::booked_cost>& costs, bool one_off, double factor, RowVectorXd& out) const {
        for (const auto& bc : costs) {
            const double amount = one_off ? bc.one_off : bc.monthly;
            out(static_cast<Eigen::Index>(lines_at_ + bc.line)) += factor * amount * benefit_share(bc.benefit);
        }
    }

    // Entering stage `s` with active set `active`: interventions that end on entry stop, those
    // requested on entry start unless already active (the simulation's order). Returns the new
    // extended state's index and the one-off amounts booked on entry.
    std::pair<std::size_t, RowVectorXd> enter(std::uint8_t s, std::uint64_t active) {
        std::uint64_t ends = 0;
        for (std::size_t i = 0; i < m_.interventions.size(); ++i)
            if ((own_ >> i & 1u) && detail::ends_on(m_.interventions[i], s)) ends |= 1ull << i;
        const std::uint64_t kept = active & ~ends;
        const std::uint64_t requested = m_.tracks[t_].states[s].requests & own_;
        const std::uint64_t started = requested & ~kept;
        RowVectorXd lumps = RowVectorXd::Zero(static_cast<Eigen::Index>(columns_));
        add_costs(m_.tracks[t_].states[s].costs[g_], true, 1.0, lumps);
        for (std::size_t i = 0; i < m_.interventions.size(); ++i)
            if (started >> i & 1u) add_costs(m_.interventions[i].costs[g_], true, 1.0, lumps);
        return {index_of({s, kept | requested}), std::move(lumps)};
    }

    std::size_t index_of(const ext_state& x) {
        const auto [it, fresh] = index_.try_emplace(x, states_.size());
        if (fresh) {
            if (states_.size() >= max_) {
                unsupported(fmt::format("tracks[{}] needs more than {} extended states (stage x active interventions)",
                                        t_, max_));
            }
            states_.push_back(x);
        }
        return it->second;
    }

    // Hazard multiplier of `s -> to` while `active` (own interventions, then the organisation's).
    double multiplier(std::uint8_t s, std::uint8_t to, std::uint64_t active) const {
        double mult = 1.0;
        for (std::size_t i = 0; i < m_.interventions.size(); ++i)
            if (active >> i & 1u) mult = detail::combine(m_.interventions[i].effects, t_, s, to, mult);
        if (g_ == static_cast<int>(treatment::solution)) mult = detail::combine(m_.solution_effects, t_, s, to, mult);
        return mult;
    }

    void expand(std::size_t x) {
        const auto [s, active] = states_[x];
        const auto& cs = m_.tracks[t_].states[s];
        for (std::size_t k = 0; k < cs.dest.size(); ++k) {
            const double rate = cs.base[k] * multiplier(s, cs.dest[k], active);
            if (!(rate > 0.0)) continue;
            auto [y, lumps] = enter(cs.dest[k], active);
            edges_.push_back({x, y, rate});
            jump_lumps_.emplace_back(x, rate * lumps);
        }
        for (std::size_t i = 0; i < m_.interventions.size(); ++i) {
            if (!(active >> i & 1u)) continue;
            const std::size_t y = index_of({s, active & ~(1ull << i)});
            edges_.push_back({x, y, m_.interventions[i].duration.a});
        }
    }

    void fill_weights(std::size_t x) {
        const auto [s, active] = states_[x];
        const auto& cs = m_.tracks[t_].states[s];
        RowVectorXd w = RowVectorXd::Zero(static_cast<Eigen::Index>(columns_));
        w(cs.occupancy_row) = 1.0;
        add_costs(cs.costs[g_], false, 1.0, w);
        for (std::size_t i = 0; i < m_.interventions.size(); ++i)
            if (active >> i & 1u) add_costs(m_.interventions[i].costs[g_], false, 1.0, w);
        weights_.row(static_cast<Eigen::Index>(x)) = w;
    }

    struct edge {
        std::size_t from, to;
        double rate;
    };

    const model& m_;
    std::uint8_t t_;
    int g_;
    std::size_t max_;
    std::size_t columns_;
    std::size_t lines_at_;
    std::uint64_t own_ = 0;
    std::map<ext_state, std::size_t> index_;
    std::vector<ext_state> states_;
    std::vector<edge> edges_;
    std::vector<std::pair<std::size_t, RowVectorXd>> jump_lumps_;
    MatrixXd generator_, weights_;
    RowVectorXd initial_, initial_lumps_;
};

double mean_members(const track& t) {
    double mean = 0.0;
    for (std::size_t n = 0; n < t.members.size(); ++n) mean += static_cast<double>(n) * t.members[n];
    return mean;
}

// Expected (occupancy rows, then lines) x months of one member, by the Van Loan identity
// exp([[Q, I], [0, 0]]) = [[e^Q, int_0^1 e^{Qu} du], [0, I]]: month m integrates p(m) e^{Qu}.
MatrixXd member_expectations(const chain_builder& c, std::size_t months) {
    const MatrixXd& q = c.generator();
    const Eigen::Index n = q.rows();
    MatrixXd block = MatrixXd::Zero(2 * n, 2 * n);
    block.topLeftCorner(n, n) = q;
    block.topRightCorner(n, n) = MatrixXd::Identity(n, n);
    const MatrixXd e = block.exp();
    const MatrixXd step = e.topLeftCorner(n, n);
    const MatrixXd integrated = e.topRightCorner(n, n) * c.weights();
    MatrixXd out(c.weights().cols(), static_cast<Eigen::Index>(months));
    RowVectorXd p = c.initial();
    for (Eigen::Index mo = 0; mo < out.cols(); ++mo) {
        out.col(mo) = (p * integrated).transpose();
        p = p * step;
    }
    out.col(0) += c.initial_lumps().transpose();
    return out;
}

// Features of the population and the organisation the Markov chain does not represent.
void check_population_and_organisation(const scenario& sc, treatment group) {
    if (!sc.people.table.empty()) unsupported("population.table is set; only generated families are supported");
    if (sc.people.arrivals_per_month > 0.0 || !sc.people.arrival_months.empty()) {
        unsupported("population has arrivals; only a closed population is supported");
    }
    if (sc.people.leave_rate > 0.0) unsupported("population.leave_rate is set; families cannot leave");
    if (sc.people.warmup_months > 0.0) {
        unsupported(fmt::format("population.warmup_months is set ({}); the Markov chain starts from the tracks' mix at "
                                "month 0 (simulate instead, or remove the warm-up)", sc.people.warmup_months));
    }
    if (sc.refusion.enabled()) unsupported("refusion depends on benefit durations, which the generator does not track");
    if (sc.reimbursement.enabled()) {
        unsupported("reimbursement (Serviceloven § 176) depends on each family's yearly cost, not on expected values");
    }
    if (group != treatment::solution) return;
    if (sc.org.meeting_every > 0.0) unsupported("organisation.meeting_every is set (decisions wait for meetings)");
    if (sc.org.ceiling > 0.0) unsupported("organisation.ceiling is set (grants above it wait for the forum)");
    // Selection is not modelled (every family is inside the solution); these rules exist only to
    // choose among families, so ignoring them would answer another question.
    const char* why = "; the analytic mode puts every family inside the solution from t = 0";
    if (!sc.select.quota.empty()) unsupported(std::string("selection.quota is set (places reserved by age)") + why);
    if (!sc.select.age_bands.empty()) unsupported(std::string("selection.age_bands is set (eligibility by age)") + why);
    if (!sc.select.case_capacity.empty()) unsupported(std::string("selection.case_capacity is set (a cap on cases inside)") + why);
    if (sc.select.inherited) unsupported(std::string("selection.inherited is set (the caseworkers' own cases at the start)") + why);
    const auto& rank = sc.select.rank;
    if (rank.size() > 1) {
        unsupported(fmt::format("selection.rank = {} (families ranked by several keys in turn){}", rank_list(rank), why));
    }
    if (rank.front() == selection_rank::duration) {
        unsupported(std::string("selection.rank = \"duration\" (the longest vulnerable first)") + why);
    }
    for (const auto& t : sc.tracks) {
        for (const auto& st : t.states) {
            if (st.complexity != 0.0) {
                unsupported(fmt::format("tracks.{}.states.{}.complexity is set (a weight in the complexity score that "
                                        "ranks families){}", t.name, st.name, why));
            }
        }
    }
}

}  // namespace

void require_analytic_support(const model& m, treatment group) {
    const auto& sc = m.spec;
    check_population_and_organisation(sc, group);
    for (std::size_t t = 0; t < sc.tracks.size(); ++t)
        for (std::size_t s = 0; s < sc.tracks[t].states.size(); ++s)
            if (sc.tracks[t].states[s].duration) {
                unsupported(fmt::format("tracks[{}].states[{}] has a non-exponential duration", t, s));
            } else if (sc.tracks[t].states[s].queue) {
                unsupported(fmt::format("tracks[{}].states[{}] has a queue for its places (tracks.states.queue)", t, s));
            } else if (sc.tracks[t].states[s].capacity > 0) {
                unsupported(fmt::format("tracks[{}].states[{}] has a capacity (places shared by the families)", t, s));
            }
    for (std::size_t i = 0; i < m.interventions.size(); ++i) check_intervention(m, i, static_cast<int>(group));
}

expected_values expected(const model& m, treatment group, std::size_t max_extended_states) {
    require_analytic_support(m, group);
    expected_values ev;
    ev.group = group;
    ev.months = m.months;
    ev.families = static_cast<double>(m.spec.families);
    ev.occupancy_rows = m.occupancy_rows;
    for (const auto& l : m.lines) ev.line_sources.push_back(l.source);
    const auto rows = static_cast<Eigen::Index>(m.occupancy_rows.size());
    const auto months = static_cast<Eigen::Index>(m.months);
    MatrixXd all = MatrixXd::Zero(rows + static_cast<Eigen::Index>(m.lines.size()), months);
    for (std::size_t t = 0; t < m.tracks.size(); ++t) {
        const double members = mean_members(m.spec.tracks[t]);
        if (members == 0.0) continue;
        chain_builder c(m, t, group, max_extended_states);
        c.build();
        ev.extended_states = std::max<std::size_t>(ev.extended_states, static_cast<std::size_t>(c.generator().rows()));
        all += members * member_expectations(c, m.months);
    }
    const bool solution = group == treatment::solution;
    if (solution) all.row(m.solution_families_row).setOnes();
    if (solution && m.has_staff) {
        const auto& org = m.spec.org;  // organisation.staff_fte_by_year: each month its year's staff
        for (Eigen::Index j = 0; j < months; ++j) {
            const double monthly = org.staff_in_year(static_cast<std::size_t>(j) / 12) * org.salary_per_fte_year / 12.0;
            all(rows + m.staff_line, j) = monthly / ev.families;
        }
    }
    if (solution) {  // every family is inside the solution for the whole horizon
        for (const auto& c : m.coordination) all.row(rows + c.line).setConstant(c.per_family_month);
    }
    ev.occupancy_per_family = all.topRows(rows);
    ev.costs_per_family = all.bottomRows(all.rows() - rows);
    ev.occupancy = ev.occupancy_per_family * ev.families;
    ev.costs = ev.costs_per_family * ev.families;
    return ev;
}

}  // namespace tvaer
