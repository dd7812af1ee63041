#pragma once
/// How a compiled cost is booked: the treatment whose ledger lines it goes on, the amounts of
/// one cost on one line, and which members it applies to. Shared by the states of a track and
/// by interventions (model.hpp, intervention.hpp); the lines themselves are model.hpp's.
#include <cstdint>

namespace tvaer {

/// Whether a family's costs go on the lines of business as usual or of the solution.
enum class treatment : std::uint8_t { usual = 0, solution = 1 };

namespace detail {

/// One cost of a state or an intervention on one ledger line (a payment key splits a cost over
/// several lines, one booked_cost each).
struct booked_cost {
    std::uint32_t line;
    double monthly;
    double one_off;
    int benefit;  ///< -1: any member
    std::uint32_t refusion_line = 0xffffffffu;  ///< the state's refund of this benefit, if any
};

/// Whether the cost is booked for member `m` (anything with a `benefit`: an index of its track's
/// benefit types): a cost without a benefit type applies to every member. The member's benefit
/// is read only for a cost with a type (the hot path books many costs without one).
template <class Member>
[[nodiscard]] bool applies_to(const booked_cost& bc, const Member& m) noexcept {
    return bc.benefit < 0 || bc.benefit == static_cast<int>(m.benefit);
}

}  // namespace detail

}  // namespace tvaer
