#pragma once
/// State reimbursement (refusion) of municipal benefits by benefit duration.
///
/// The state refunds a share of kontanthjælp, uddannelseshjælp, ressourceforløbsydelse,
/// ledighedsydelse and sygedagpenge that falls with the weeks a person has been on benefits:
/// 80 % in weeks 1-4, 40 % in weeks 5-26, 30 % in weeks 27-52 and 20 % from week 53, counted
/// across benefit types; the count restarts after 52 weeks off benefits (Lov om kommunernes
/// finansiering af visse offentlige ydelser § 5 stk. 2 and § 6; shared/parameters.md sec. 1b).
/// tvaer books the refund as a negative amount on a line of its own, so municipal and state
/// shares stay separable. The reset rule is simplified to "52 consecutive weeks off benefits"
/// (the law counts weeks within the latest 3 years).
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace tvaer {

class ledger;

/// Weeks in a month of the model (months are 1/12 of a 365.25-day year).
inline constexpr double weeks_per_month = 365.25 / 7.0 / 12.0;

struct refusion_ladder {
    std::vector<double> upper_weeks;  ///< ends of the steps but the last, increasing (e.g. 4, 26, 52)
    std::vector<double> shares;       ///< refunded share in each step (one more than upper_weeks)
    double reset_after_weeks = 52.0;  ///< weeks off benefits after which the count restarts
    /// Weeks on benefits that members already have when they enter the model. [A] 156: two
    /// thirds of aktivitetsparate have been on public support for 3 years or more
    /// (parameters.md sec. 5); 0 treats everyone as a new case.
    double initial_weeks = 156.0;

    [[nodiscard]] bool enabled() const noexcept { return !shares.empty(); }
    /// The statutory ladder in force since 2016 (80/40/30/20 %).
    static refusion_ladder statutory();  ///< with the default initial_weeks
    /// Throws scenario_error naming `where` (e.g. "refusion.shares[2]").
    void validate(const std::string& where) const;
};

/// Calls `segment(refunded_rate, a, b)` for each piece [a, b) of [t0, t1) on one step of the
/// ladder: the state refunds `refunded_rate` per month over it (a share of `rate`) to a member
/// who had been on benefits `age0` months at t0. The pieces cover [t0, t1) in order.
template <class Segment>
void for_refusion_segments(double rate, double t0, double t1, double age0, const refusion_ladder& ladder,
                           Segment&& segment) {
    double t = t0;
    std::size_t step = 0;
    const double age_weeks = age0 * weeks_per_month;
    while (step < ladder.upper_weeks.size() && age_weeks >= ladder.upper_weeks[step]) ++step;
    while (t < t1) {
        // The time at which the member's duration reaches the end of this step (or t1).
        double until = t1;
        if (step < ladder.upper_weeks.size()) {
            until = std::min(t1, t0 + (ladder.upper_weeks[step] / weeks_per_month - age0));
        }
        segment(rate * ladder.shares[step], t, until);
        t = until;
        ++step;
    }
}

/// Books on `line` minus the refunded share of a benefit of `rate` per month paid over [t0, t1)
/// to a member who had been on benefits `age0` months at t0, split where the member's benefit
/// duration crosses a step of the ladder. A negative `rate` books the opposite (used to move an
/// open spell between ledger lines).
void book_refusion(ledger& l, std::size_t line, double rate, double t0, double t1, double age0,
                   const refusion_ladder& ladder);

}  // namespace tvaer
