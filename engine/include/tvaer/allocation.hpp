#pragma once
/// Allocation rules: who pays, who gains, and what is settled at year end (docs/allocation.md).
///
/// Input is one replication's yearly cost per ledger line in both arms (`line_years`). A `book`
/// holds, per arm, line, year and budget, who carries each line's cost (initially the line's
/// payer: "pay where granted"), plus the money moved between budgets by year-end settlements.
/// Rules are named components applied in order; each one only moves cost or money between
/// budgets, so the total over budgets never changes. All money inside the book is whole øre
/// (`ore`, 0.01 DKK); splits are apportioned so their parts sum exactly to the whole.
///
/// Signs: a budget's net position in a year is its cost without the solution minus its cost with
/// it plus the money it received in settlements; > 0 means the budget is better off.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tvaer/document.hpp"
#include "tvaer/model.hpp"
#include "tvaer/replications.hpp"

namespace tvaer {

/// Money in øre (0.01 DKK).
using ore = std::int64_t;

/// Rounds DKK to whole øre, halves away from zero. Throws std::invalid_argument naming `where`
/// if `dkk` is not finite or its magnitude exceeds 1e13 DKK.
ore to_ore(double dkk, const std::string& where = "amount");
[[nodiscard]] inline double to_dkk(ore x) noexcept { return static_cast<double>(x) / 100.0; }

/// Splits `total` in proportion to `weights` (each >= 0 and finite, sum > 0) into parts that sum
/// to `total` exactly: each part is the floor of its quota, and the øre left over go one each
/// to the largest fractional parts, ties to the lower index. Throws std::invalid_argument.
std::vector<ore> apportion(ore total, const std::vector<double>& weights);

/// Rounds `targets` (finite; their sum should be close to `total`) to whole øre summing to
/// `total` exactly: floors first, then one øre each to the largest fractional parts (ties to
/// the lower index), cycling if more are needed; a negative remainder takes øre from the
/// smallest fractional parts. Throws std::invalid_argument for non-finite targets.
std::vector<ore> round_to_total(ore total, const std::vector<double>& targets);

/// One replication's yearly amounts per ledger line, both arms.
struct line_years {
    std::vector<std::string> budgets;  ///< the scenario's sectors, then "solution" (last)
    std::vector<ledger_line> lines;    ///< `payer` indexes `budgets`
    std::size_t years = 0;
    std::vector<double> amounts;       ///< [arm][line][year], DKK

    [[nodiscard]] double& at(arm a, std::size_t line, std::size_t year) {
        return amounts[(static_cast<std::size_t>(a) * lines.size() + line) * years + year];
    }
    [[nodiscard]] double at(arm a, std::size_t line, std::size_t year) const {
        return amounts[(static_cast<std::size_t>(a) * lines.size() + line) * years + year];
    }
};

/// Sums replication `index` (0-based within `r`) of `r` into years: year y is months
/// [12y, 12y + 12); a last partial year is kept. Throws tvaer::error if `r` does not match `m`
/// or `index` is out of range.
line_years yearly_lines(const model& m, const results& r, std::uint32_t index);

/// One movement recorded by a rule. `from` pays and `to` is paid; for a cost shift, `from`
/// takes over (part of) a line's cost and `to` is relieved of it, in the arm `books`.
/// Settlements (money) are always booked in the solution arm: they happen in the real world.
struct transfer {
    std::string rule;
    std::size_t year = 0;
    arm books = arm::solution;
    bool cost_shift = false;
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    ore amount = 0;  ///< > 0
};

/// The mutable positions the rules act on. Every mutator conserves the total over budgets.
class book {
public:
    /// Validates `in` (throws tvaer::error naming the field) and books every line on its payer.
    explicit book(const line_years& in);

    [[nodiscard]] const std::vector<std::string>& budgets() const noexcept { return budgets_; }
    [[nodiscard]] const std::vector<ledger_line>& lines() const noexcept { return lines_; }
    [[nodiscard]] std::size_t years() const noexcept { return years_; }
    [[nodiscard]] std::uint32_t solution_budget() const noexcept {
        return static_cast<std::uint32_t>(budgets_.size() - 1);
    }
    /// Index of budget `name`; throws tvaer::error "<rule>: unknown budget 'x' (budgets: ...)".
    [[nodiscard]] std::uint32_t budget(const std::string& name, const std::string& rule) const;

    /// The line's total in an arm and year (øre), whoever carries it.
    [[nodiscard]] ore line_total(arm a, std::size_t line, std::size_t year) const;
    /// Gross cost carried by `b` (optionally of one cost kind), after cost shifts.
    [[nodiscard]] ore cost(arm a, std::uint32_t b, std::size_t year) const;
    [[nodiscard]] ore cost(arm a, std::uint32_t b, std::size_t year, cost_kind k) const;
    /// Money `b` received net in settlements of `year`.
    [[nodiscard]] ore received(std::uint32_t b, std::size_t year) const { return received_[b * years_ + year]; }
    /// Efficiency requirement carried by `b` in `year`.
    [[nodiscard]] ore required(std::uint32_t b, std::size_t year) const { return required_[b * years_ + year]; }
    /// cost(bau) - cost(solution) + received: > 0 is better off.
    [[nodiscard]] ore net(std::uint32_t b, std::size_t year) const;
    /// Total saving of `year` over all budgets (optionally of one cost kind; settlements excluded
    /// as they sum to zero). Without a kind this is the sum of `net` over budgets.
    [[nodiscard]] ore saving(std::size_t year, std::optional<cost_kind> k = {}) const;
    [[nodiscard]] const std::vector<transfer>& transfers() const noexcept { return transfers_; }

    /// Re-splits the line's cost in arm `a` and `year` over budgets in proportion to `weights`
    /// (one per budget) and records the cost shifts under `rule`.
    void shift_line(const std::string& rule, arm a, std::size_t line, std::size_t year,
                    const std::vector<double>& weights);
    /// Moves `amount` øre of money from `from` to `to` in `year` (negative: the other way).
    void pay(const std::string& rule, std::size_t year, std::uint32_t from, std::uint32_t to, ore amount);
    /// Moves money so that net(b, year) becomes `targets[b]` (øre, as doubles), rounded by
    /// round_to_total so that they sum to saving(year) exactly.
    void settle_to(const std::string& rule, std::size_t year, const std::vector<double>& targets);
    /// Adds `amount` øre to b's efficiency requirement in `year` (a figure, not a movement).
    void require(std::uint32_t b, std::size_t year, ore amount) { required_[b * years_ + year] += amount; }

private:
    [[nodiscard]] std::size_t slot(arm a, std::size_t line, std::size_t year) const {
        return ((static_cast<std::size_t>(a) * lines_.size() + line) * years_ + year) * budgets_.size();
    }
    [[nodiscard]] std::size_t gross_slot(arm a, cost_kind k, std::uint32_t b, std::size_t year) const {
        return ((static_cast<std::size_t>(a) * 2 + static_cast<std::size_t>(k)) * budgets_.size() + b) * years_ + year;
    }
    void record(const std::string& rule, std::size_t year, arm a, bool shift, const std::vector<ore>& gains);

    std::vector<std::string> budgets_;
    std::vector<ledger_line> lines_;
    std::size_t years_ = 0;
    std::vector<ore> carried_;   ///< [arm][line][year][budget]
    std::vector<ore> gross_;     ///< [arm][kind][budget][year]
    std::vector<ore> received_;  ///< [budget][year]
    std::vector<ore> required_;  ///< [budget][year]
    std::vector<transfer> transfers_;
};

/// A named component: `apply` acts on a book and records what it moves under `name`.
struct rule {
    std::string name;  ///< the user's label, recorded on every transfer
    std::string type;  ///< "pay_where_granted", "fixed_key", ...
    std::function<void(book&)> apply;
};

/// Budget name -> share. Shares are >= 0 and sum to 1 (within 1e-9).
using key = std::map<std::string, double>;

/// Rule 1. Status quo: every line's payer pays (report Tabel 4.2, L2923-2986). Moves nothing.
rule pay_where_granted(std::string name = "pay where granted");

/// Rule 2. Assens' fordelingsnøgle (L3057-3091, L5034-5040): the cost of the lines whose source is
/// "intervention/<intervention>" is re-split by `shares` (e.g. mentor 60/20/20), in lines of
/// families inside the solution only unless `solution_group_only` is false.
/// Throws std::invalid_argument for a bad key; unknown budgets throw tvaer::error when applied.
rule fixed_key(std::string name, std::string intervention, key shares, bool solution_group_only = true);

/// Rule 3. Salary key (Høje-Taastrup ½ / ⅓ / ⅙, L3596-3602): the staff lines' cost is carried
/// by budgets in proportion to `shares`. Throws as fixed_key.
rule salary_key(std::string name, key shares);

/// Which lines the solution's own budget pays (Tabel 5.1, L3449-3531).
enum class unit_items : std::uint8_t {
    inside,    ///< lines flagged inside_unit_budget, staff included (Helsingør, L3137-3167)
    salaries,  ///< the staff lines only (Assens, L3533-3548)
};

/// How the solution's own budget is funded from the sectors' budgets each year.
struct unit_funding {
    key shares;          ///< split of the funding; with `total` empty it covers the unit's cost
    std::vector<double> total;  ///< DKK per year (from year 0), split by `shares`
    std::map<std::string, std::vector<double>> amounts;  ///< or: budget -> DKK per year, as given
};

/// Rule 4. Own budget (Helsingør L5892-5912, Assens L5111-5133): the solution budget carries the
/// `items` lines, and the sectors move budget into it per `funding` (settlement, money). With no
/// funding the unit's cost stays on the unit. Throws std::invalid_argument for bad funding.
rule own_budget(std::string name, unit_items items, unit_funding funding = {});

/// One part of an efficiency requirement: amounts per year, the budgets that carry it, and which
/// cost kind's saving counts as achieved against it (unset: any).
struct requirement_part {
    std::vector<double> per_year;  ///< DKK, from year 0; later years: none
    key shares;
    std::optional<cost_kind> kind;
};

/// What happens to a shortfall (or surplus) against the requirement.
enum class shortfall : std::uint8_t {
    own,     ///< no settlement: each budget's own saving counts against its own share
    pooled,  ///< Albertslund (L3752-3758): the achieved saving is credited by the key, so each
             ///< budget carries its key share of the shortfall, whoever saved
};

/// Rule 5. Efficiency requirements (effektiviseringskrav, Tabel 5.2, L3663-3773). Books each part
/// on budgets by its key; with `pooled`, settles so each budget's net equals the sum over parts
/// of share x achieved, where achieved is the saving of the part's cost kind over all budgets.
/// Pooled parts must cover the cost kinds exactly once. Throws std::invalid_argument.
rule efficiency_requirement(std::string name, std::vector<requirement_part> parts,
                           shortfall settlement_mode = shortfall::own);
/// An equal split of `per_year` over `budgets` (Albertslund three ways, Furesø two ways).
requirement_part equal_split(std::vector<double> per_year, const std::vector<std::string>& budgets,
                             std::optional<cost_kind> kind = {});

/// How a pool is shared among participating sectors in a year. Weights that sum to 0 fall back
/// to an equal split.
enum class share_basis : std::uint8_t {
    equal,     ///< the same share each
    baseline,  ///< in proportion to cost without the solution (the nulpunktsmåling)
    invested,  ///< in proportion to max(0, -net) before the rule: what the sector put in
    gained,    ///< in proportion to max(0, net) before the rule: where the gain fell
};

/// Rule 6. Albertslund's retrospective redistribution (L3912-3933, L4714-4730): at year end the
/// year's total saving (all budgets) is shared among `sectors` by `basis`; other budgets,
/// the solution's included, end the year at 0. Throws std::invalid_argument if `sectors` is empty.
rule retrospective(std::string name, std::vector<std::string> sectors, share_basis basis);

/// Exact Shapley values of a `players`-player game given v for every coalition: `table[mask]`,
/// bit i of mask set when player i takes part. Requires table.size() == 2^players, players <= 20
/// and v(empty) == 0. Throws std::invalid_argument.
std::vector<double> shapley_values(std::size_t players, const std::vector<double>& table);
/// As above, calling `value(mask)` once per coalition.
std::vector<double> shapley_values(std::size_t players, const std::function<double(std::uint64_t)>& value);

/// Rule 7. Shares the year's total saving among `players` in proportion to their Shapley values
/// (scaled by saving / v(grand coalition)); other budgets end the year at 0. `tables` holds one
/// coalition table for all years or one per year. Throws std::invalid_argument for bad tables and
/// tvaer::error when v(grand coalition) is 0 in a year.
rule shapley(std::string name, std::vector<std::string> players, std::vector<std::vector<double>> tables);

/// Rule 8. Investor returns: year by year, sectors that put money in (net < 0) hold a claim
/// that is repaid, in proportion to the claims, from the gains of that and later years before
/// the rest is shared by `rest`; unpaid claims carry over. Other budgets end each year at 0.
rule investor_returns(std::string name, std::vector<std::string> sectors, share_basis rest);

/// The rules of a scenario's `[allocation]` table, in order (layout in docs/allocation.md).
/// Throws scenario_error naming the origin and key path of a bad entry.
std::vector<rule> allocation_rules(const document& doc);

/// Present value in DKK of yearly øre amounts, year y (0-based) discounted by (1 + rate)^-y.
/// Throws std::invalid_argument for a rate that is not finite or <= -1.
double present_value(const std::vector<ore>& yearly, double rate);
/// The same for yearly DKK amounts (the Python package's Results.present_value).
double present_value_dkk(const std::vector<double>& yearly, double rate);
/// First year from which the cumulative sum stays >= 0; nullopt ("never") if the last is < 0.
std::optional<std::size_t> break_even_year(const std::vector<ore>& yearly);
/// The same for yearly DKK amounts (the Python package's Results.break_even).
std::optional<std::size_t> break_even_year_dkk(const std::vector<double>& yearly);

/// Who invests, who gains and by when, for one budget; "before" is pay where granted.
struct incentive_row {
    std::string budget;
    std::string role;  ///< "investor" (first non-zero net < 0), "gainer" (> 0) or "untouched"
    ore invested = 0;  ///< sum over years of max(0, -net before)
    ore gained = 0;    ///< sum over years of max(0, net before)
    std::optional<std::size_t> break_even_before, break_even_after;
    double present_value_before = 0.0, present_value_after = 0.0;  ///< DKK
};

/// Everything per budget and year, tables [budget][year] in øre.
struct settlement {
    std::vector<std::string> budgets;
    std::size_t years = 0;
    std::vector<ore> granted_bau, granted_solution;  ///< pay where granted, before any rule
    std::vector<ore> gross_bau, gross_solution;      ///< after the rules' cost shifts
    std::vector<ore> difference;                     ///< gross_solution - gross_bau
    std::vector<ore> settled;                        ///< money received net in settlements
    std::vector<ore> net;                            ///< gross_bau - gross_solution + settled
    std::vector<ore> required;                       ///< efficiency requirements carried
    std::vector<transfer> transfers;
    std::vector<incentive_row> incentives;           ///< one per budget
    double present_value_total = 0.0;                ///< of the total net, DKK
    std::optional<std::size_t> break_even_total;

    [[nodiscard]] ore at(const std::vector<ore>& table, std::uint32_t b, std::size_t year) const {
        return table[b * years + year];
    }
};

/// Applies `rules` in order to a book of `input`. Throws std::invalid_argument for a rule without
/// `apply` or a discount rate that is not finite or <= -1, and whatever the rules throw.
settlement settle(const line_years& input, const std::vector<rule>& rules, double discount_rate = 0.0);

}  // namespace tvaer
