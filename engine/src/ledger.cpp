#include "tvaer/ledger.hpp"

#include <algorithm>
#include <stdexcept>

namespace tvaer {

ledger::ledger(std::size_t lines, std::size_t months)
    : lines_(lines),
      months_(months),
      partial_(lines * (months + 1), 0.0),
      rate_diff_(lines * (months + 1), 0.0),
      totals_(lines * months, 0.0) {}

void ledger::finish() {
    if (finished_) return;
    for (std::size_t l = 0; l < lines_; ++l) {
        const double* part = &partial_[l * (months_ + 1)];
        const double* diff = &rate_diff_[l * (months_ + 1)];
        double rate = 0.0;
        for (std::size_t m = 0; m < months_; ++m) {
            rate += diff[m];
            totals_[l * months_ + m] = part[m] + rate;  // a whole month at `rate` adds rate * 1
        }
    }
    finished_ = true;
}

void ledger::drop_months(std::size_t n) {
    if (!finished_ || n > months_) throw std::logic_error("ledger::drop_months: call after finish(), with n <= months()");
    const std::size_t kept = months_ - n;
    for (std::size_t l = 0; l < lines_; ++l) {
        std::copy_n(totals_.begin() + static_cast<std::ptrdiff_t>(l * months_ + n), kept,
                    totals_.begin() + static_cast<std::ptrdiff_t>(l * kept));
    }
    months_ = kept;
    totals_.resize(lines_ * kept);
    partial_.assign(lines_ * (kept + 1), 0.0);  // nothing is booked after finish()
    rate_diff_.assign(lines_ * (kept + 1), 0.0);
}

void ledger::reset() {
    std::fill(partial_.begin(), partial_.end(), 0.0);
    std::fill(rate_diff_.begin(), rate_diff_.end(), 0.0);
    std::fill(totals_.begin(), totals_.end(), 0.0);
    finished_ = false;
}

}  // namespace tvaer
