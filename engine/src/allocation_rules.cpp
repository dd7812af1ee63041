// Allocation rules 1-8 (docs/allocation.md): each one a function that builds a `rule` whose
// `apply` moves money on a `book` (allocation.hpp); validation names the rule and its key path.
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

}  // namespace tvaer
