#pragma once
/// Governance as delay: meeting cadences and the amount ceiling on the solution's authority.
///
/// A decision taken in a body that meets every `every` months waits for its next meeting
/// (report sec. 4.14 lists the cadences: network meetings about every 3 months in Høje-Taastrup
/// L6315-6318, a monthly chief group in Furesø L4214). An intervention whose expected cost is
/// above the solution's amount ceiling (Assens: 25,000 kr., L3036-3055) goes to the sector heads'
/// forum, which adds the wait for its next meeting.
namespace tvaer {

/// The first meeting at or after `t` of a body meeting at phase + k * every (k integer).
/// `every` <= 0 means "no meetings to wait for" and returns t.
[[nodiscard]] double next_meeting(double t, double every, double phase) noexcept;

/// The expected cost of one grant: one-off plus monthly rate times mean duration.
[[nodiscard]] constexpr double expected_grant_cost(double one_off, double monthly, double mean_months) noexcept {
    return one_off + monthly * mean_months;
}

}  // namespace tvaer
