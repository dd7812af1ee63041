// Money in øre, the settlement book, and settle(): rules (allocation_rules.cpp) applied in
// order to every replication, then the budget tables, incentives and present values.
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

// ---- outputs -------------------------------------------------------------------------------

namespace {

double in_dkk(ore amount) { return to_dkk(amount); }
double in_dkk(double amount) { return amount; }

template <class T>
double discounted(const std::vector<T>& yearly, double rate) {
    if (!std::isfinite(rate) || rate <= -1.0) {
        throw std::invalid_argument(fmt::format("present_value: discount rate must be finite and > -1, got {}", rate));
    }
    double pv = 0.0;
    for (std::size_t y = 0; y < yearly.size(); ++y) {
        pv += in_dkk(yearly[y]) / std::pow(1.0 + rate, static_cast<double>(y));
    }
    return pv;
}

template <class T>
std::optional<std::size_t> first_year_even(const std::vector<T>& yearly) {
    if (yearly.empty()) return std::nullopt;
    T cumulative = 0;
    std::optional<std::size_t> last_negative;
    for (std::size_t y = 0; y < yearly.size(); ++y) {
        cumulative += yearly[y];
        if (cumulative < 0) last_negative = y;
    }
    if (!last_negative) return 0;
    if (*last_negative + 1 == yearly.size()) return std::nullopt;
    return *last_negative + 1;
}

}  // namespace

double present_value(const std::vector<ore>& yearly, double rate) { return discounted(yearly, rate); }
double present_value_dkk(const std::vector<double>& yearly, double rate) { return discounted(yearly, rate); }
std::optional<std::size_t> break_even_year(const std::vector<ore>& yearly) { return first_year_even(yearly); }
std::optional<std::size_t> break_even_year_dkk(const std::vector<double>& yearly) { return first_year_even(yearly); }

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
