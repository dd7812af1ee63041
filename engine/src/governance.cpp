#include "tvaer/governance.hpp"

#include <cmath>

namespace tvaer {

double next_meeting(double t, double every, double phase) noexcept {
    if (!(every > 0.0)) return t;
    const double k = std::ceil((t - phase) / every);
    const double next = phase + k * every;
    return next < t ? next + every : next;  // guard against rounding just below t
}

}  // namespace tvaer
