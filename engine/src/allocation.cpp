#include "tvaer/allocation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <numeric>
#include <set>
#include <stdexcept>

#include "tvaer/error.hpp"

namespace tvaer {

// ---- money ---------------------------------------------------------------------------------

ore to_ore(double dkk, const std::string& where) {
    if (!std::isfinite(dkk) || std::abs(dkk) > 1e13) {
        throw std::invalid_argument(fmt::format("{}: must be finite and at most 1e13 DKK in size, got {}", where, dkk));
    }
    return static_cast<ore>(std::llround(dkk * 100.0));
}

std::vector<ore> round_to_total(ore total, const std::vector<double>& targets) {
    const std::size_t n = targets.size();
    if (n == 0) {
        if (total != 0) throw std::invalid_argument(fmt::format("round_to_total: no targets to carry {} øre", total));
        return {};
    }
    std::vector<ore> out(n);
    std::vector<double> frac(n);
    ore sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(targets[i]) || std::abs(targets[i]) > 1e17) {
            throw std::invalid_argument(
                fmt::format("round_to_total: targets[{}] must be finite, got {}", i, targets[i]));
        }
        const double f = std::floor(targets[i]);
        out[i] = static_cast<ore>(f);
        frac[i] = targets[i] - f;
        sum += out[i];
    }
    const ore left = total - sum;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Øre go to the largest fractional parts first (taken from the smallest); ties: lower index.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return left >= 0 ? frac[a] > frac[b] : frac[a] < frac[b];
    });
    const ore step = left >= 0 ? 1 : -1;
    const auto count = static_cast<ore>(n);
    const ore whole = std::abs(left) / count;
    const ore rest = std::abs(left) % count;
    for (std::size_t k = 0; k < n; ++k) out[order[k]] += step * (whole + (static_cast<ore>(k) < rest ? 1 : 0));
    return out;
}

std::vector<ore> apportion(ore total, const std::vector<double>& weights) {
    double sum = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (!(weights[i] >= 0.0) || !std::isfinite(weights[i])) {
            throw std::invalid_argument(
                fmt::format("apportion: weights[{}] must be >= 0 and finite, got {}", i, weights[i]));
        }
        sum += weights[i];
    }
    if (!(sum > 0.0)) throw std::invalid_argument("apportion: the weights sum to 0");
    if (total < 0) {  // symmetric: apportion(-x) == -apportion(x)
        auto out = apportion(-total, weights);
        for (auto& x : out) x = -x;
        return out;
    }
    std::vector<double> quota(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) quota[i] = static_cast<double>(total) * (weights[i] / sum);
    return round_to_total(total, quota);
}

// ---- input ---------------------------------------------------------------------------------

line_years yearly_lines(const model& m, const results& r, std::uint32_t index) {
    if (index >= r.replications) {
        throw error(fmt::format("yearly_lines: replication index {} out of range ({} held)", index, r.replications));
    }
    const std::size_t lines = m.lines.size();
    const std::size_t months = m.months;
    if (r.line_sources.size() != lines || r.months != months ||
        r.costs.size() < (static_cast<std::size_t>(index) + 1) * 2 * lines * months) {
        throw error(fmt::format("yearly_lines: results have {} lines x {} months, the model {} x {}",
                                r.line_sources.size(), r.months, lines, months));
    }
    line_years out{m.budgets, m.lines, (months + 11) / 12, {}};
    out.amounts.assign(2 * lines * out.years, 0.0);
    const double* base = r.costs.data() + static_cast<std::size_t>(index) * 2 * lines * months;
    for (std::size_t a = 0; a < 2; ++a)
        for (std::size_t l = 0; l < lines; ++l)
            for (std::size_t mo = 0; mo < months; ++mo)
                out.at(static_cast<arm>(a), l, mo / 12) += base[(a * lines + l) * months + mo];
    return out;
}

// ---- book ----------------------------------------------------------------------------------

namespace {
const char* arm_name(std::size_t a) { return a == 0 ? "bau" : "solution"; }
}  // namespace

book::book(const line_years& in) : budgets_(in.budgets), lines_(in.lines), years_(in.years) {
    if (budgets_.empty() || budgets_.back() != "solution") {
        throw error(fmt::format("line_years.budgets: the last budget must be \"solution\", got {}",
                                budgets_.empty() ? std::string("none") : "'" + budgets_.back() + "'"));
    }
    if (years_ == 0) throw error("line_years.years: must be >= 1, got 0");
    if (in.amounts.size() != 2 * lines_.size() * years_) {
        throw error(fmt::format("line_years.amounts: expected {} values (2 arms x {} lines x {} years), got {}",
                                2 * lines_.size() * years_, lines_.size(), years_, in.amounts.size()));
    }
    const std::size_t nb = budgets_.size();
    carried_.assign(2 * lines_.size() * years_ * nb, 0);
    gross_.assign(2 * 2 * nb * years_, 0);
    received_.assign(nb * years_, 0);
    required_.assign(nb * years_, 0);
    for (std::size_t l = 0; l < lines_.size(); ++l) {
        const auto payer = lines_[l].payer;
        if (payer >= nb) {
            throw error(
                fmt::format("line_years.lines[{}].payer: budget index {} out of range ({} budgets)", l, payer, nb));
        }
        for (std::size_t a = 0; a < 2; ++a)
            for (std::size_t y = 0; y < years_; ++y) {
                const auto ar = static_cast<arm>(a);
                const ore x = to_ore(in.at(ar, l, y), fmt::format("line_years.amounts[{}][{}][{}]", arm_name(a), l, y));
                carried_[slot(ar, l, y) + payer] = x;
                gross_[gross_slot(ar, lines_[l].kind, payer, y)] += x;
            }
    }
}

std::uint32_t book::budget(const std::string& name, const std::string& rule) const {
    const auto it = std::find(budgets_.begin(), budgets_.end(), name);
    if (it == budgets_.end()) {
        throw error(fmt::format("{}: unknown budget '{}' (budgets: {})", rule, name, fmt::join(budgets_, ", ")));
    }
    return static_cast<std::uint32_t>(it - budgets_.begin());
}

ore book::line_total(arm a, std::size_t line, std::size_t year) const {
    const ore* p = &carried_[slot(a, line, year)];
    return std::accumulate(p, p + budgets_.size(), ore{0});
}

ore book::cost(arm a, std::uint32_t b, std::size_t year, cost_kind k) const {
    return gross_[gross_slot(a, k, b, year)];
}

ore book::cost(arm a, std::uint32_t b, std::size_t year) const {
    return cost(a, b, year, cost_kind::service) + cost(a, b, year, cost_kind::transfer);
}

ore book::net(std::uint32_t b, std::size_t year) const {
    return cost(arm::bau, b, year) - cost(arm::solution, b, year) + received(b, year);
}

ore book::saving(std::size_t year, std::optional<cost_kind> k) const {
    ore sum = 0;
    for (std::uint32_t b = 0; b < budgets_.size(); ++b) {
        sum += k ? cost(arm::bau, b, year, *k) - cost(arm::solution, b, year, *k)
                 : cost(arm::bau, b, year) - cost(arm::solution, b, year);
    }
    return sum;
}

void book::record(const std::string& rule, std::size_t year, arm a, bool shift, const std::vector<ore>& gains) {
    std::vector<ore> g = gains;  // > 0: position improves (is paid / relieved); sums to 0
    const std::size_t n = g.size();
    std::size_t i = 0, j = 0;
    for (;;) {
        while (i < n && g[i] >= 0) ++i;
        while (j < n && g[j] <= 0) ++j;
        if (i == n || j == n) break;
        const ore amount = std::min(-g[i], g[j]);
        transfers_.push_back(
            {rule, year, a, shift, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), amount});
        g[i] += amount;
        g[j] -= amount;
    }
}

void book::shift_line(const std::string& rule, arm a, std::size_t line, std::size_t year,
                      const std::vector<double>& weights) {
    const ore total = line_total(a, line, year);
    if (total == 0) return;
    const auto now = apportion(total, weights);
    std::vector<ore> relieved(budgets_.size());
    ore* carried = &carried_[slot(a, line, year)];
    for (std::uint32_t b = 0; b < budgets_.size(); ++b) {
        relieved[b] = carried[b] - now[b];
        carried[b] = now[b];
        gross_[gross_slot(a, lines_[line].kind, b, year)] -= relieved[b];
    }
    record(rule, year, a, true, relieved);
}

void book::pay(const std::string& rule, std::size_t year, std::uint32_t from, std::uint32_t to, ore amount) {
    if (amount == 0 || from == to) return;
    if (amount < 0) return pay(rule, year, to, from, -amount);
    received_[from * years_ + year] -= amount;
    received_[to * years_ + year] += amount;
    transfers_.push_back({rule, year, arm::solution, false, from, to, amount});
}

void book::settle_to(const std::string& rule, std::size_t year, const std::vector<double>& targets) {
    const auto goal = round_to_total(saving(year), targets);
    std::vector<ore> gains(budgets_.size());
    for (std::uint32_t b = 0; b < budgets_.size(); ++b) {
        gains[b] = goal[b] - net(b, year);
        received_[b * years_ + year] += gains[b];
    }
    record(rule, year, arm::solution, false, gains);
}

// ---- rule helpers --------------------------------------------------------------------------

namespace {

void check_key(const key& shares, const std::string& where) {
    if (shares.empty()) throw std::invalid_argument(where + ": the key is empty");
    double sum = 0.0;
    for (const auto& [name, share] : shares) {
        if (!(share >= 0.0) || !std::isfinite(share)) {
            throw std::invalid_argument(
                fmt::format("{}: share of '{}' must be >= 0 and finite, got {}", where, name, share));
        }
        sum += share;
    }
    if (std::abs(sum - 1.0) > 1e-9) {
        throw std::invalid_argument(fmt::format("{}: shares sum to {}, must sum to 1", where, sum));
    }
}

std::vector<double> key_weights(const book& bk, const key& shares, const std::string& where) {
    std::vector<double> w(bk.budgets().size(), 0.0);
    for (const auto& [name, share] : shares) w[bk.budget(name, where)] += share;
    return w;
}

void check_years(const std::vector<double>& per_year, const std::string& where) {
    for (std::size_t y = 0; y < per_year.size(); ++y) {
        if (!std::isfinite(per_year[y])) {
            throw std::invalid_argument(fmt::format("{}[{}]: must be finite, got {}", where, y, per_year[y]));
        }
    }
}

/// Amount of year y in øre; years past the schedule have none. The schedule may not outrun the book.
ore year_amount(const book& bk, const std::vector<double>& per_year, std::size_t y, const std::string& where) {
    if (per_year.size() > bk.years()) {
        throw error(fmt::format("{}: {} years given, the ledger has {}", where, per_year.size(), bk.years()));
    }
    return y < per_year.size() ? to_ore(per_year[y], fmt::format("{}[{}]", where, y)) : 0;
}

std::vector<std::string> unique_names(std::vector<std::string> names, const std::string& where) {
    if (names.empty()) throw std::invalid_argument(where + ": no sectors given");
    std::set<std::string> seen;
    for (const auto& n : names)
        if (!seen.insert(n).second) throw std::invalid_argument(fmt::format("{}: sector '{}' listed twice", where, n));
    return names;
}

std::vector<std::uint32_t> resolve(const book& bk, const std::vector<std::string>& names, const std::string& where) {
    std::vector<std::uint32_t> out;
    for (const auto& n : names) out.push_back(bk.budget(n, where));
    return out;
}

/// Shifts every matching line, all arms and years, onto budgets by `weights`; returns the count.
template <class Match>
std::size_t shift_matching(book& bk, const std::string& rule, const std::vector<double>& weights, Match match) {
    std::size_t found = 0;
    for (std::size_t l = 0; l < bk.lines().size(); ++l) {
        if (!match(bk.lines()[l])) continue;
        ++found;
        for (arm a : {arm::bau, arm::solution})
            for (std::size_t y = 0; y < bk.years(); ++y) bk.shift_line(rule, a, l, y, weights);
    }
    return found;
}

/// Weights of `members` in `year` by `basis`, read before the rule moves anything.
std::vector<double> basis_weights(const book& bk, const std::vector<std::uint32_t>& members, std::size_t year,
                                  share_basis basis) {
    std::vector<double> w;
    for (auto b : members) {
        const auto net = static_cast<double>(bk.net(b, year));
        switch (basis) {
            case share_basis::equal: w.push_back(1.0); break;
            case share_basis::baseline:
                w.push_back(std::max(0.0, static_cast<double>(bk.cost(arm::bau, b, year))));
                break;
            case share_basis::invested: w.push_back(std::max(0.0, -net)); break;
            case share_basis::gained: w.push_back(std::max(0.0, net)); break;
        }
    }
    if (std::accumulate(w.begin(), w.end(), 0.0) <= 0.0) std::fill(w.begin(), w.end(), 1.0);
    return w;
}

/// Targets over all budgets: `amount` spread over `members` by `weights`, everyone else 0.
std::vector<double> spread(const book& bk, ore amount, const std::vector<std::uint32_t>& members,
                           const std::vector<double>& weights) {
    std::vector<double> targets(bk.budgets().size(), 0.0);
    const auto parts = apportion(amount, weights);
    for (std::size_t i = 0; i < members.size(); ++i) targets[members[i]] += static_cast<double>(parts[i]);
    return targets;
}

}  // namespace

// ---- rules 1-4: who carries which cost -----------------------------------------------------

rule pay_where_granted(std::string name) {
    return {std::move(name), "pay_where_granted", [](book&) {}};
}

rule fixed_key(std::string name, std::string intervention, key shares, bool solution_group_only) {
    const std::string where = fmt::format("fixed key '{}'", name);
    check_key(shares, where);
    const std::string source = "intervention/" + intervention;
    return {name, "fixed_key", [=](book& bk) {
                const auto w = key_weights(bk, shares, where);
                const auto found = shift_matching(bk, name, w, [&](const ledger_line& l) {
                    return l.source == source && (!solution_group_only || l.group == treatment::solution);
                });
                if (found == 0) {
                    throw error(fmt::format("{}: no ledger line has source '{}'{}", where, source,
                                            solution_group_only ? " in the solution group" : ""));
                }
            }};
}

rule salary_key(std::string name, key shares) {
    const std::string where = fmt::format("salary key '{}'", name);
    check_key(shares, where);
    return {name, "salary_key", [=](book& bk) {
                const auto w = key_weights(bk, shares, where);
                const auto is_staff = [](const ledger_line& l) { return l.source_kind == "staff"; };
                if (shift_matching(bk, name, w, is_staff) == 0) throw error(where + ": the ledger has no staff line");
            }};
}

namespace {

void check_funding(const unit_funding& f, const std::string& where) {
    if (!f.shares.empty() && !f.amounts.empty()) {
        throw std::invalid_argument(where + ": give funding shares or funding amounts, not both");
    }
    if (!f.total.empty() && f.shares.empty()) {
        throw std::invalid_argument(where + ": a funding total needs funding shares");
    }
    if (!f.shares.empty()) check_key(f.shares, where + ".shares");
    check_years(f.total, where + ".total");
    for (const auto& [budget, per_year] : f.amounts) {
        check_years(per_year, fmt::format("{}.amounts['{}']", where, budget));
    }
}

void fund_unit(book& bk, const std::string& rule, const unit_funding& f, const std::string& where) {
    const auto unit = bk.solution_budget();
    for (std::size_t y = 0; y < bk.years(); ++y) {
        if (!f.shares.empty()) {
            const ore amount = f.total.empty() ? bk.cost(arm::solution, unit, y)
                                               : year_amount(bk, f.total, y, where + ".total");
            const auto parts = apportion(amount, key_weights(bk, f.shares, where + ".shares"));
            for (std::uint32_t b = 0; b < parts.size(); ++b) bk.pay(rule, y, b, unit, parts[b]);
        }
        for (const auto& [budget, per_year] : f.amounts) {
            const auto what = fmt::format("{}.amounts['{}']", where, budget);
            bk.pay(rule, y, bk.budget(budget, what), unit, year_amount(bk, per_year, y, what));
        }
    }
}

}  // namespace

rule own_budget(std::string name, unit_items items, unit_funding funding) {
    const std::string where = fmt::format("own budget '{}'", name);
    check_funding(funding, where);
    return {name, "own_budget", [=](book& bk) {
                std::vector<double> w(bk.budgets().size(), 0.0);
                w[bk.solution_budget()] = 1.0;
                shift_matching(bk, name, w, [&](const ledger_line& l) {
                    return l.source_kind == "staff" || (items == unit_items::inside && l.inside_unit_budget);
                });
                fund_unit(bk, name, funding, where);
            }};
}

// ---- rule 5: efficiency requirements -------------------------------------------------------

requirement_part equal_split(std::vector<double> per_year, const std::vector<std::string>& budgets,
                             std::optional<cost_kind> kind) {
    const auto names = unique_names(budgets, "equal_split");
    key shares;
    for (const auto& n : names) shares[n] = 1.0 / static_cast<double>(names.size());
    return {std::move(per_year), std::move(shares), kind};
}

namespace {

void check_parts(const std::vector<requirement_part>& parts, shortfall mode, const std::string& where) {
    if (parts.empty()) throw std::invalid_argument(where + ": no parts given");
    int any = 0, service = 0, transfers = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto pw = fmt::format("{}.parts[{}]", where, i);
        check_key(parts[i].shares, pw);
        check_years(parts[i].per_year, pw + ".per_year");
        for (std::size_t y = 0; y < parts[i].per_year.size(); ++y) {
            if (parts[i].per_year[y] < 0.0) {
                throw std::invalid_argument(
                    fmt::format("{}.per_year[{}]: must be >= 0, got {}", pw, y, parts[i].per_year[y]));
            }
        }
        if (!parts[i].kind) ++any;
        else if (*parts[i].kind == cost_kind::service) ++service;
        else ++transfers;
    }
    const bool covered = (any == 1 && service == 0 && transfers == 0) || (any == 0 && service == 1 && transfers == 1);
    if (mode == shortfall::pooled && !covered) {
        throw std::invalid_argument(
            where + ": pooled settlement needs parts whose cost kinds cover service and transfer exactly once");
    }
}

}  // namespace

rule efficiency_requirement(std::string name, std::vector<requirement_part> parts, shortfall settlement_mode) {
    const std::string where = fmt::format("efficiency requirement '{}'", name);
    check_parts(parts, settlement_mode, where);
    return {name, "efficiency_requirement", [=](book& bk) {
                for (std::size_t y = 0; y < bk.years(); ++y) {
                    std::vector<double> targets(bk.budgets().size(), 0.0);
                    for (std::size_t i = 0; i < parts.size(); ++i) {
                        const auto pw = fmt::format("{}.parts[{}]", where, i);
                        const auto w = key_weights(bk, parts[i].shares, pw);
                        const auto carried = apportion(year_amount(bk, parts[i].per_year, y, pw + ".per_year"), w);
                        for (std::uint32_t b = 0; b < carried.size(); ++b) bk.require(b, y, carried[b]);
                        const auto achieved = static_cast<double>(bk.saving(y, parts[i].kind));
                        for (std::size_t b = 0; b < w.size(); ++b) targets[b] += w[b] * achieved;
                    }
                    if (settlement_mode == shortfall::pooled) bk.settle_to(name, y, targets);
                }
            }};
}

// ---- rules 6-8: year-end settlements of the saving -----------------------------------------

rule retrospective(std::string name, std::vector<std::string> sectors, share_basis basis) {
    const std::string where = fmt::format("retrospective '{}'", name);
    sectors = unique_names(std::move(sectors), where);
    return {name, "retrospective", [=](book& bk) {
                const auto members = resolve(bk, sectors, where);
                for (std::size_t y = 0; y < bk.years(); ++y) {
                    bk.settle_to(name, y, spread(bk, bk.saving(y), members, basis_weights(bk, members, y, basis)));
                }
            }};
}

std::vector<double> shapley_values(std::size_t players, const std::vector<double>& table) {
    if (players == 0 || players > 20) {
        throw std::invalid_argument(fmt::format("shapley_values: players must be 1 to 20, got {}", players));
    }
    const std::size_t coalitions = std::size_t{1} << players;
    if (table.size() != coalitions) {
        throw std::invalid_argument(fmt::format("shapley_values: {} coalition values, expected 2^{} = {}",
                                                table.size(), players, coalitions));
    }
    for (std::size_t s = 0; s < coalitions; ++s) {
        if (!std::isfinite(table[s])) {
            throw std::invalid_argument(fmt::format("shapley_values: v[{}] must be finite, got {}", s, table[s]));
        }
    }
    if (table[0] != 0.0) {
        throw std::invalid_argument(fmt::format("shapley_values: v(empty coalition) must be 0, got {}", table[0]));
    }
    // weight[s] = s! (n - 1 - s)! / n!: the chance that a player joins right after a given s others.
    std::vector<double> weight(players);
    weight[0] = 1.0 / static_cast<double>(players);
    for (std::size_t s = 0; s + 1 < players; ++s) {
        weight[s + 1] = weight[s] * static_cast<double>(s + 1) / static_cast<double>(players - 1 - s);
    }
    std::vector<double> phi(players, 0.0);
    for (std::size_t mask = 0; mask < coalitions; ++mask) {
        const auto size = static_cast<std::size_t>(std::popcount(mask));
        if (size == players) continue;
        for (std::size_t i = 0; i < players; ++i) {
            const std::size_t bit = std::size_t{1} << i;
            if ((mask & bit) == 0) phi[i] += weight[size] * (table[mask | bit] - table[mask]);
        }
    }
    return phi;
}

std::vector<double> shapley_values(std::size_t players, const std::function<double(std::uint64_t)>& value) {
    if (players == 0 || players > 20) {
        throw std::invalid_argument(fmt::format("shapley_values: players must be 1 to 20, got {}", players));
    }
    std::vector<double> table(std::size_t{1} << players);
    for (std::size_t mask = 0; mask < table.size(); ++mask) table[mask] = value(mask);
    return shapley_values(players, table);
}

rule shapley(std::string name, std::vector<std::string> players, std::vector<std::vector<double>> tables) {
    const std::string where = fmt::format("shapley '{}'", name);
    players = unique_names(std::move(players), where);
    if (tables.empty()) throw std::invalid_argument(where + ": no coalition tables given");
    std::vector<std::vector<double>> phis;
    for (std::size_t t = 0; t < tables.size(); ++t) {
        try {
            phis.push_back(shapley_values(players.size(), tables[t]));
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(fmt::format("{}.tables[{}]: {}", where, t, e.what()));
        }
    }
    return {name, "shapley", [=](book& bk) {
                if (tables.size() != 1 && tables.size() != bk.years()) {
                    throw error(fmt::format("{}: {} coalition tables for {} years (give 1 or one per year)", where,
                                            tables.size(), bk.years()));
                }
                const auto members = resolve(bk, players, where);
                for (std::size_t y = 0; y < bk.years(); ++y) {
                    const std::size_t t = tables.size() == 1 ? 0 : y;
                    const double grand = tables[t].back();
                    if (grand == 0.0) {
                        throw error(fmt::format("{}: v(grand coalition) is 0 in year {}, shares undefined", where, y));
                    }
                    std::vector<double> targets(bk.budgets().size(), 0.0);
                    const auto pool = static_cast<double>(bk.saving(y));
                    for (std::size_t i = 0; i < members.size(); ++i) targets[members[i]] += phis[t][i] / grand * pool;
                    bk.settle_to(name, y, targets);
                }
            }};
}

rule investor_returns(std::string name, std::vector<std::string> sectors, share_basis rest) {
    const std::string where = fmt::format("investor returns '{}'", name);
    sectors = unique_names(std::move(sectors), where);
    return {name, "investor_returns", [=](book& bk) {
                const auto members = resolve(bk, sectors, where);
                const std::size_t n = members.size();
                std::vector<ore> claim(n, 0);  // unpaid investment carried from earlier years
                for (std::size_t y = 0; y < bk.years(); ++y) {
                    std::vector<ore> put_in(n);
                    std::vector<double> claims(n);
                    ore gains = bk.saving(y), claimed = 0;
                    for (std::size_t i = 0; i < n; ++i) {
                        put_in[i] = std::max(ore{0}, -bk.net(members[i], y));
                        claim[i] += put_in[i];
                        claims[i] = static_cast<double>(claim[i]);
                        gains += put_in[i];  // the year's gains before netting this year's investments
                        claimed += claim[i];
                    }
                    const ore repay = std::clamp(gains, ore{0}, claimed);
                    const auto repaid = claimed > 0 ? apportion(repay, claims) : std::vector<ore>(n, 0);
                    const auto shared = apportion(gains - repay, basis_weights(bk, members, y, rest));
                    std::vector<double> targets(bk.budgets().size(), 0.0);
                    for (std::size_t i = 0; i < n; ++i) {
                        targets[members[i]] = static_cast<double>(repaid[i] + shared[i] - put_in[i]);
                        claim[i] -= repaid[i];
                    }
                    bk.settle_to(name, y, targets);
                }
            }};
}

// ---- outputs -------------------------------------------------------------------------------

double present_value(const std::vector<ore>& yearly, double rate) {
    if (!std::isfinite(rate) || rate <= -1.0) {
        throw std::invalid_argument(fmt::format("present_value: discount rate must be finite and > -1, got {}", rate));
    }
    double pv = 0.0;
    for (std::size_t y = 0; y < yearly.size(); ++y) {
        pv += to_dkk(yearly[y]) / std::pow(1.0 + rate, static_cast<double>(y));
    }
    return pv;
}

std::optional<std::size_t> break_even_year(const std::vector<ore>& yearly) {
    if (yearly.empty()) return std::nullopt;
    ore cumulative = 0;
    std::optional<std::size_t> last_negative;
    for (std::size_t y = 0; y < yearly.size(); ++y) {
        cumulative += yearly[y];
        if (cumulative < 0) last_negative = y;
    }
    if (!last_negative) return 0;
    if (*last_negative + 1 == yearly.size()) return std::nullopt;
    return *last_negative + 1;
}

namespace {

std::vector<ore> row(const std::vector<ore>& table, std::uint32_t b, std::size_t years) {
    const auto first = table.begin() + static_cast<std::ptrdiff_t>(b * years);
    return {first, first + static_cast<std::ptrdiff_t>(years)};
}

incentive_row incentive(const settlement& s, std::uint32_t b, const std::vector<ore>& before, double rate) {
    incentive_row r;
    r.budget = s.budgets[b];
    r.role = "untouched";
    const auto mine = row(before, b, s.years);
    for (ore x : mine) {
        if (r.role == "untouched" && x != 0) r.role = x < 0 ? "investor" : "gainer";
        r.invested += std::max(ore{0}, -x);
        r.gained += std::max(ore{0}, x);
    }
    const auto after = row(s.net, b, s.years);
    r.break_even_before = break_even_year(mine);
    r.break_even_after = break_even_year(after);
    r.present_value_before = present_value(mine, rate);
    r.present_value_after = present_value(after, rate);
    return r;
}

void fill_costs(const book& bk, arm a, std::vector<ore>& out) {
    out.resize(bk.budgets().size() * bk.years());
    for (std::uint32_t b = 0; b < bk.budgets().size(); ++b)
        for (std::size_t y = 0; y < bk.years(); ++y) out[b * bk.years() + y] = bk.cost(a, b, y);
}

}  // namespace

settlement settle(const line_years& input, const std::vector<rule>& rules, double discount_rate) {
    if (!std::isfinite(discount_rate) || discount_rate <= -1.0) {
        throw std::invalid_argument(
            fmt::format("settle: discount rate must be finite and > -1, got {}", discount_rate));
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (!rules[i].apply) {
            throw std::invalid_argument(fmt::format("rules[{}] '{}': has no apply function", i, rules[i].name));
        }
    }
    book bk(input);
    settlement s;
    s.budgets = bk.budgets();
    s.years = bk.years();
    fill_costs(bk, arm::bau, s.granted_bau);
    fill_costs(bk, arm::solution, s.granted_solution);
    for (const auto& r : rules) r.apply(bk);
    fill_costs(bk, arm::bau, s.gross_bau);
    fill_costs(bk, arm::solution, s.gross_solution);
    const std::size_t cells = s.gross_bau.size();
    s.difference.resize(cells);
    s.settled.resize(cells);
    s.net.resize(cells);
    s.required.resize(cells);
    std::vector<ore> before(cells), total(s.years, 0);
    for (std::uint32_t b = 0; b < s.budgets.size(); ++b)
        for (std::size_t y = 0; y < s.years; ++y) {
            const std::size_t c = b * s.years + y;
            s.difference[c] = s.gross_solution[c] - s.gross_bau[c];
            s.settled[c] = bk.received(b, y);
            s.net[c] = bk.net(b, y);
            s.required[c] = bk.required(b, y);
            before[c] = s.granted_bau[c] - s.granted_solution[c];
            total[y] += s.net[c];
        }
    s.transfers = bk.transfers();
    for (std::uint32_t b = 0; b < s.budgets.size(); ++b) s.incentives.push_back(incentive(s, b, before, discount_rate));
    s.present_value_total = present_value(total, discount_rate);
    s.break_even_total = break_even_year(total);
    return s;
}

}  // namespace tvaer
