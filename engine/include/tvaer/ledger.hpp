#pragma once
/// Exact cost accrual into monthly accumulators, with no monthly tick events.
///
/// A cost rate (DKK per month) that is constant over [t0, t1) is booked in O(1): the partial
/// first and last months go straight into the month's total and the whole months in between
/// into a difference array of rates, which `finish()` integrates. Time is in months, month m is
/// [m, m+1), year y is months [12y, 12y+12). Lines (rows) are the ledger items of a model: a
/// cost source booked to one paying sector and cost kind (see model.hpp).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tvaer {

class ledger {
public:
    ledger() = default;
    /// `lines` rows by `months` columns, all zero. The horizon is `months` (an integer).
    ledger(std::size_t lines, std::size_t months);

    /// Books `rate` per month over [t0, t1) on `line`; t0 <= t1 <= months is the caller's duty.
    void accrue(std::size_t line, double rate, double t0, double t1) noexcept {
        if (!(t1 > t0) || rate == 0.0) return;
        double* part = &partial_[line * (months_ + 1)];
        double* diff = &rate_diff_[line * (months_ + 1)];
        // Signed conversions: one instruction each on x86-64 (unsigned ones are branchy).
        const auto m0 = static_cast<std::int64_t>(t0);
        const auto m1 = static_cast<std::int64_t>(t1);
        if (m0 == m1) {
            part[m0] += rate * (t1 - t0);
            return;
        }
        part[m0] += rate * (static_cast<double>(m0 + 1) - t0);
        diff[m0 + 1] += rate;
        diff[m1] -= rate;
        part[m1] += rate * (t1 - static_cast<double>(m1));
    }

    /// [t0, t1) cut at whole months once, for several rates booked over the same interval (a
    /// spell's occupancy, costs and refund): accrue(line, rate, cut(t0, t1)) adds what
    /// accrue(line, rate, t0, t1) adds, the same products to the same cells in the same order.
    struct interval {
        std::int64_t m0 = 0;
        std::int64_t m1 = 0;
        double head = 0.0;   // t1 - t0 within one month; else the first month's part, m0 + 1 - t0
        double tail = 0.0;   // the last month's part, t1 - m1
        bool empty = true;   // !(t1 > t0): nothing is booked
    };
    [[nodiscard]] static interval cut(double t0, double t1) noexcept {
        interval c;
        c.empty = !(t1 > t0);
        c.m0 = static_cast<std::int64_t>(t0);
        c.m1 = static_cast<std::int64_t>(t1);
        c.head = c.m0 == c.m1 ? t1 - t0 : static_cast<double>(c.m0 + 1) - t0;
        c.tail = t1 - static_cast<double>(c.m1);
        return c;
    }
    /// Books `rate` per month over the interval `c` on `line` (as accrue(line, rate, t0, t1)).
    void accrue(std::size_t line, double rate, const interval& c) noexcept {
        if (c.empty || rate == 0.0) return;
        double* part = &partial_[line * (months_ + 1)];
        part[c.m0] += rate * c.head;
        if (c.m0 == c.m1) return;
        double* diff = &rate_diff_[line * (months_ + 1)];
        diff[c.m0 + 1] += rate;
        diff[c.m1] -= rate;
        part[c.m1] += rate * c.tail;
    }

    /// Books a lump sum at time t (t <= months; t == months books into the last month).
    void lump(std::size_t line, double amount, double t) noexcept {
        auto m = static_cast<std::size_t>(static_cast<std::int64_t>(t));
        if (m >= months_) m = months_ - 1;
        partial_[line * (months_ + 1) + m] += amount;
    }

    /// Integrates the difference arrays: afterwards `at(line, month)` is the month's total.
    /// Idempotent; booking after `finish()` is an error of the caller.
    void finish();

    /// Removes the first `n` months (after finish()): month n becomes month 0. Used to drop a
    /// warm-up from the output. Throws std::logic_error before finish() or if n > months().
    void drop_months(std::size_t n);

    [[nodiscard]] double at(std::size_t line, std::size_t month) const noexcept {
        return totals_[line * months_ + month];
    }
    [[nodiscard]] std::size_t lines() const noexcept { return lines_; }
    [[nodiscard]] std::size_t months() const noexcept { return months_; }
    /// Row-major (line, month) totals; valid after finish().
    [[nodiscard]] const std::vector<double>& totals() const noexcept { return totals_; }
    void reset();

private:
    std::size_t lines_ = 0;
    std::size_t months_ = 0;
    std::vector<double> partial_;    // lines x (months + 1)
    std::vector<double> rate_diff_;  // lines x (months + 1)
    std::vector<double> totals_;     // lines x months
    bool finished_ = false;
};

}  // namespace tvaer
