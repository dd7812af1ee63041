#pragma once
/// Serviceloven § 176: the state's reimbursement of especially expensive single cases.
///
/// Per case, the state reimburses a share of a municipality's yearly expenses above each of a few
/// thresholds: since 2021 25 % above 830,000, 50 % above 1,630,000 and 75 % above 2,050,000 kr a
/// year (2020 level; L 197 2019-20). A case is one adult (per member), or, for children, the
/// household: the expenses of all its children (< 18, and 18-22-year-olds under §§ 76, 76 a) are
/// summed (stk. 2; shared/parameters.md sec. 6). Before 2021 children (§ 176 a) had 25 % above
/// 830,000 and 50 % above 1,630,000, adults (§ 176) 25 % above 1,090,000 and 50 % above 2,050,000.
///
/// tvaer sums, per family or per member, each simulation year's cost (months 12k..12k+11) on the
/// ledger lines of a rule's sector and cost kind (state and intervention costs; not salaries) and
/// books the reimbursement, as a negative amount, in the year's last month (at the horizon for a
/// partial last year) on "<sector>/s176" lines with the same payer, group and flags as the costs,
/// split pro rata over the lines the year's cost was booked on: the whole year's cost counts,
/// whichever treatment the family was in, and each group's lines get the share of the
/// reimbursement that their cost is of the year's cost (docs/model.md, "§ 176").
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tvaer {

enum class cost_kind : std::uint8_t;  // scenario.hpp
struct model;                         // model.hpp

/// One § 176 rule: the cost of one sector and kind, per family (household of children) or per
/// member (an adult case), reimbursed at `shares[i]` between `thresholds[i]` and the next one.
struct reimbursement_rule {
    std::string sector;
    bool per_family = true;          ///< false: per member
    cost_kind kind{};                ///< cost_kind::service (value 0) unless set
    std::vector<double> thresholds;  ///< DKK a year, increasing, >= 0
    std::vector<double> shares;      ///< one per threshold, in [0, 1]
};

/// The scenario's `[reimbursement]` table (empty: no reimbursement, the default).
struct reimbursement {
    std::vector<reimbursement_rule> rules;

    [[nodiscard]] bool enabled() const noexcept { return !rules.empty(); }
    /// § 176 since 2021 at the 2020 level: 25/50/75 % above 830,000/1,630,000/2,050,000 a year,
    /// per family on `children`'s services and per member on `adults`' (either may be empty: no rule).
    static reimbursement statutory(const std::string& children, const std::string& adults);
    /// §§ 176 a and 176 before 2021 at the 2020 level: children per family 25/50 % above
    /// 830,000/1,630,000; adults per member 25/50 % above 1,090,000/2,050,000.
    static reimbursement pre_2021(const std::string& children, const std::string& adults);
    /// Throws scenario_error naming `where` (e.g. "reimbursement.rules[0].shares[1]").
    void validate(const std::vector<std::string>& sectors, const std::string& where) const;
};

/// The state's reimbursement of a year's cost `cost` under `rule`: the sum over steps i of
/// shares[i] x the part of `cost` between thresholds[i] and thresholds[i + 1] (the last step has
/// no upper end). 0 at or below the first threshold.
[[nodiscard]] double reimbursed(const reimbursement_rule& rule, double cost) noexcept;

namespace detail {

/// A rule resolved to the model's ledger lines.
struct compiled_reimbursement_rule {
    const reimbursement_rule* rule = nullptr;  ///< into model::spec
    std::vector<std::uint32_t> lines;          ///< the "<sector>/s176" line of each bucket
};

/// The rules and, per ledger line, the (rule, bucket) its cost counts for.
struct compiled_reimbursement {
    static constexpr std::uint32_t none = 0xffffffffu;
    std::vector<compiled_reimbursement_rule> rules;
    std::vector<std::uint32_t> slot;  ///< per line: rule << 16 | bucket, or none

    [[nodiscard]] bool enabled() const noexcept { return !rules.empty(); }
};

/// Appends the "<sector>/s176" lines to `m.lines` (after every other line) and fills
/// `m.reimbursement`. A bucket is one combination of the covered lines' payer, group, CPR flag,
/// inside-budget flag and granting authority.
void compile_reimbursement(model& m);

/// One arm's running sums: per rule, per family or member, per simulation year and bucket.
class reimbursement_book {
public:
    reimbursement_book() = default;
    reimbursement_book(const compiled_reimbursement& c, std::size_t months);

    /// Adds `rate` per month over [t0, t1) of the cost on `line` of member `mi` of family `f`.
    /// Inline for the lines no rule covers, most of a scenario's bookings.
    void accrue(std::uint32_t line, std::uint32_t f, std::uint32_t mi, double rate, double t0, double t1) {
        if (const std::uint32_t slot = slot_of(line); slot != compiled_reimbursement::none) accrue_covered(slot, f, mi, rate, t0, t1);
    }
    /// Adds `amount` at time t.
    void lump(std::uint32_t line, std::uint32_t f, std::uint32_t mi, double amount, double t) {
        if (const std::uint32_t slot = slot_of(line); slot != compiled_reimbursement::none) lump_covered(slot, f, mi, amount, t);
    }
    /// Calls book(member, line, amount, t) for each reimbursement (negative), rules in order, then
    /// families or members in the order they first had a covered cost, then years.
    template <class Book>
    void settle(Book&& book) const;
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    struct per_rule {
        std::vector<std::uint32_t> row_of;  // family or member -> row, or none
        std::vector<std::uint32_t> booker;  // row -> the member whose lines the reimbursement books under
        std::vector<double> sums;           // row x year x bucket
        std::size_t buckets = 0;
    };
    /// The (rule, bucket) slot whose sums a cost on `line` adds to, or none.
    [[nodiscard]] std::uint32_t slot_of(std::uint32_t line) const noexcept {
        return line < c_->slot.size() ? c_->slot[line] : compiled_reimbursement::none;
    }
    /// One row's sums in one bucket, a year apart; a year past the last counts in the last.
    struct year_cells {
        double* first;
        std::size_t stride;
        std::size_t last;
        double& operator[](std::size_t year) const noexcept { return first[std::min(year, last) * stride]; }
    };
    /// The cells of the row of `f` or `mi` (as the slot's rule counts) in the slot's bucket; the
    /// row is made on its first cost.
    year_cells row(std::uint32_t slot, std::uint32_t f, std::uint32_t mi);
    void accrue_covered(std::uint32_t slot, std::uint32_t f, std::uint32_t mi, double rate, double t0, double t1);
    void lump_covered(std::uint32_t slot, std::uint32_t f, std::uint32_t mi, double amount, double t);
    const compiled_reimbursement* c_ = nullptr;
    std::size_t months_ = 0;
    std::size_t years_ = 0;
    std::vector<per_rule> rules_;
};

template <class Book>
void reimbursement_book::settle(Book&& book) const {
    for (std::size_t r = 0; r < rules_.size(); ++r) {
        const per_rule& pr = rules_[r];
        const auto& lines = c_->rules[r].lines;
        for (std::size_t row = 0; row < pr.booker.size(); ++row) {
            for (std::size_t y = 0; y < years_; ++y) {
                const double* b = &pr.sums[(row * years_ + y) * pr.buckets];
                double total = 0.0;
                for (std::size_t k = 0; k < pr.buckets; ++k) total += b[k];
                const double back = reimbursed(*c_->rules[r].rule, total);
                if (back == 0.0) continue;
                const double t = static_cast<double>(std::min(12 * y + 11, months_ - 1));
                for (std::size_t k = 0; k < pr.buckets; ++k) {
                    if (b[k] != 0.0) book(pr.booker[row], lines[k], -back * (b[k] / total), t);
                }
            }
        }
    }
}

}  // namespace detail

}  // namespace tvaer
