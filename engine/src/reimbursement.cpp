// Serviceloven § 176 (reimbursement.hpp): the scenario table's reader, presets and checks, its
// compilation to ledger lines, and the per-arm running sums the simulator books it from.
#include "tvaer/reimbursement.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "scenario_checks.hpp"
#include "scenario_read.hpp"
#include "tvaer/model.hpp"

namespace tvaer {

namespace {

// Thresholds at the 2020 level (shared/parameters.md sec. 6: L 197 2019-20; sm.dk satser 2020).
reimbursement_rule rule(const std::string& sector, bool per_family, std::vector<double> thresholds,
                        std::vector<double> shares) {
    return {sector, per_family, cost_kind::service, std::move(thresholds), std::move(shares)};
}

reimbursement presets(const std::string& children, const std::string& adults, bool since_2021) {
    reimbursement out;
    const std::vector<double> child = {830'000.0, 1'630'000.0, 2'050'000.0};
    if (!children.empty()) {
        out.rules.push_back(since_2021 ? rule(children, true, child, {0.25, 0.50, 0.75})
                                       : rule(children, true, {830'000.0, 1'630'000.0}, {0.25, 0.50}));
    }
    if (!adults.empty()) {
        out.rules.push_back(since_2021 ? rule(adults, false, child, {0.25, 0.50, 0.75})
                                       : rule(adults, false, {1'090'000.0, 2'050'000.0}, {0.25, 0.50}));
    }
    return out;
}

}  // namespace

reimbursement reimbursement::statutory(const std::string& children, const std::string& adults) {
    return presets(children, adults, true);
}

reimbursement reimbursement::pre_2021(const std::string& children, const std::string& adults) {
    return presets(children, adults, false);
}

/// `preset = "statutory"` or `"pre_2021"` (with `children` and `adults` naming the sectors), or
/// `[[reimbursement.rules]]`; `price_index` scales every threshold.
reimbursement detail::read_reimbursement(reader r, const std::vector<std::string>& sectors) {
    const bool preset = r.present("preset");
    const bool rules = r.present("rules");
    if (preset == rules) r.fail(r.path(), "give either preset = \"statutory\" (or \"pre_2021\") or [[reimbursement.rules]], not both or neither");
    reimbursement out;
    if (preset) {
        const std::string name = r.string("preset");
        if (name != "statutory" && name != "pre_2021") r.fail(r.key("preset"), choice_message(name, {"statutory", "pre_2021"}));
        const auto sector = [&](const char* key) {
            const bool known = std::find(sectors.begin(), sectors.end(), key) != sectors.end();
            std::string s = r.string(key, known ? key : "");
            if (!s.empty() && std::find(sectors.begin(), sectors.end(), s) == sectors.end()) {
                r.fail(r.key(key), fmt::format("unknown sector '{}' (known: {})", s, fmt::join(sectors, ", ")));
            }
            return s;
        };
        const std::string children = sector("children"), adults = sector("adults");
        if (children.empty() && adults.empty()) {
            r.fail(r.key("preset"), "the scenario has no sector 'children' or 'adults': name the sectors with "
                                    "reimbursement.children and reimbursement.adults");
        }
        out = name == "statutory" ? reimbursement::statutory(children, adults) : reimbursement::pre_2021(children, adults);
    }
    for (reader x : r.tables("rules")) {
        reimbursement_rule ru;
        ru.sector = x.string("sector");
        ru.per_family = x.choice("per", {{"family", true}, {"member", false}}, true);
        ru.kind = x.choice("kind", {{"service", cost_kind::service}, {"transfer", cost_kind::transfer}}, cost_kind::service);
        ru.thresholds = x.required_numbers("thresholds");
        ru.shares = x.required_numbers("shares");
        x.done();
        out.rules.push_back(std::move(ru));
    }
    const double index = r.number("price_index", 1.0);
    if (!(index > 0.0 && std::isfinite(index))) r.fail(r.key("price_index"), fmt::format("must be > 0 and finite, got {}", index));
    for (auto& ru : out.rules)
        for (double& t : ru.thresholds) t *= index;
    r.done();
    return out;
}

void reimbursement::validate(const std::vector<std::string>& sectors, const std::string& where) const {
    detail::require(rules.size() <= 64, where + ".rules", fmt::format("at most 64 rules, got {}", rules.size()));
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const reimbursement_rule& ru = rules[i];
        const std::string at = detail::at(where + ".rules", i);
        detail::require_known(sectors, ru.sector, at + ".sector", "sector");
        detail::require(!ru.thresholds.empty(), at + ".thresholds", "needs at least one threshold");
        detail::require(ru.shares.size() == ru.thresholds.size(), at + ".shares",
                        fmt::format("needs one share per threshold ({}), got {}", ru.thresholds.size(), ru.shares.size()));
        for (std::size_t k = 0; k < ru.thresholds.size(); ++k) {
            const double prev = k == 0 ? 0.0 : ru.thresholds[k - 1];
            const double t = ru.thresholds[k];
            detail::require(t <= detail::max_amount && (k == 0 ? t >= prev : t > prev), detail::at(at + ".thresholds", k),
                            fmt::format("must be an amount in DKK a year, {} {} and at most 1e12, got {}",
                                        k == 0 ? ">=" : "greater than", prev, t));
            detail::require_share(ru.shares[k], detail::at(at + ".shares", k));
        }
        for (std::size_t j = 0; j < i; ++j) {
            detail::require(!(rules[j].sector == ru.sector && rules[j].kind == ru.kind), at,
                            fmt::format("a second rule on the {} costs of sector '{}' (rules[{}] covers them): "
                                        "they would be reimbursed twice",
                                        ru.kind == cost_kind::service ? "service" : "transfer", ru.sector, j));
        }
    }
}

double reimbursed(const reimbursement_rule& rule, double cost) noexcept {
    double out = 0.0;
    for (std::size_t k = 0; k < rule.thresholds.size() && cost > rule.thresholds[k]; ++k) {
        const double upper = k + 1 < rule.thresholds.size() ? std::min(cost, rule.thresholds[k + 1]) : cost;
        out += rule.shares[k] * (upper - rule.thresholds[k]);
    }
    return out;
}

namespace detail {

namespace {

bool same_bucket(const ledger_line& a, const ledger_line& b) {
    return a.payer == b.payer && a.group == b.group && a.cpr_registered == b.cpr_registered &&
           a.inside_unit_budget == b.inside_unit_budget && a.granted_by == b.granted_by;
}

}  // namespace

void compile_reimbursement(model& m) {
    const auto& rules = m.spec.reimbursement.rules;
    if (rules.empty()) return;
    compiled_reimbursement& c = m.reimbursement;
    const std::size_t costs = m.lines.size();
    c.slot.assign(costs, compiled_reimbursement::none);
    for (std::size_t r = 0; r < rules.size(); ++r) {
        compiled_reimbursement_rule cr;
        cr.rule = &rules[r];
        const auto sector = static_cast<std::uint32_t>(
            std::find(m.spec.sectors.begin(), m.spec.sectors.end(), rules[r].sector) - m.spec.sectors.begin());
        std::vector<ledger_line> buckets;
        for (std::size_t l = 0; l < costs; ++l) {
            const ledger_line& line = m.lines[l];
            if (line.law_sector != sector || line.kind != rules[r].kind) continue;
            if (line.source_kind != "state" && line.source_kind != "intervention") continue;  // not salaries
            std::size_t b = 0;
            while (b < buckets.size() && !same_bucket(buckets[b], line)) ++b;
            if (b == buckets.size()) buckets.push_back(line);
            c.slot[l] = static_cast<std::uint32_t>(r << 16 | b);
        }
        for (ledger_line line : buckets) {
            line.source = rules[r].sector + "/s176";
            line.source_kind = "reimbursement";
            line.benefit.clear();
            cr.lines.push_back(static_cast<std::uint32_t>(m.lines.size()));
            m.lines.push_back(std::move(line));
        }
        c.rules.push_back(std::move(cr));
    }
}

reimbursement_book::reimbursement_book(const compiled_reimbursement& c, std::size_t months)
    : c_(&c), months_(months), years_((months + 11) / 12), rules_(c.rules.size()) {
    for (std::size_t r = 0; r < rules_.size(); ++r) rules_[r].buckets = c.rules[r].lines.size();
}

reimbursement_book::year_cells reimbursement_book::row(std::uint32_t slot, std::uint32_t f, std::uint32_t mi) {
    per_rule& pr = rules_[slot >> 16];
    const std::uint32_t who = c_->rules[slot >> 16].rule->per_family ? f : mi;
    if (pr.row_of.size() <= who) pr.row_of.resize(who + 1, compiled_reimbursement::none);
    std::uint32_t& r = pr.row_of[who];
    if (r == compiled_reimbursement::none) {
        r = static_cast<std::uint32_t>(pr.booker.size());
        pr.booker.push_back(mi);
        pr.sums.resize(pr.sums.size() + years_ * pr.buckets, 0.0);
    }
    return {&pr.sums[r * years_ * pr.buckets + (slot & 0xffffu)], pr.buckets, years_ - 1};
}

// Cut by simulation year like the per-family output (simulation_population.cpp, split_periods).
// The row is found once for all the years.
void reimbursement_book::accrue_covered(std::uint32_t slot, std::uint32_t f, std::uint32_t mi, double rate, double t0,
                                        double t1) {
    if (!(t1 > t0) || rate == 0.0) return;
    const year_cells cells = row(slot, f, mi);
    auto y = static_cast<std::size_t>(t0) / 12;
    for (double t = t0; t < t1; ++y) {
        const double until = std::min(t1, static_cast<double>(12 * (y + 1)));
        cells[y] += rate * (until - t);
        t = until;
    }
}

void reimbursement_book::lump_covered(std::uint32_t slot, std::uint32_t f, std::uint32_t mi, double amount, double t) {
    const std::size_t month = std::min(static_cast<std::size_t>(static_cast<std::int64_t>(t)), months_ - 1);
    row(slot, f, mi)[month / 12] += amount;
}

std::size_t reimbursement_book::memory_bytes() const noexcept {
    std::size_t out = 0;
    for (const auto& pr : rules_) {
        out += (pr.row_of.capacity() + pr.booker.capacity()) * sizeof(std::uint32_t) + pr.sums.capacity() * sizeof(double);
    }
    return out;
}

}  // namespace detail

}  // namespace tvaer
