#include "tvaer/refusion.hpp"

#include <cmath>
#include <fmt/format.h>

#include "scenario_read.hpp"
#include "tvaer/error.hpp"
#include "tvaer/ledger.hpp"

namespace tvaer {

refusion_ladder refusion_ladder::statutory() { return {{4.0, 26.0, 52.0}, {0.80, 0.40, 0.30, 0.20}, 52.0, 156.0}; }

/// `ladder = "statutory"` (80/40/30/20 % at weeks 4/26/52), or explicit weeks and shares.
refusion_ladder detail::read_refusion(reader r) {
    const std::string ladder = r.string("ladder", "");
    if (!ladder.empty() && ladder != "statutory") {
        r.fail(r.key("ladder"), fmt::format("must be 'statutory' (or give weeks and shares), got '{}'", ladder));
    }
    refusion_ladder out = ladder.empty() ? refusion_ladder{} : refusion_ladder::statutory();
    const bool weeks = r.present("weeks"), shares = r.present("shares");  // both known, even if absent
    if (weeks || shares) {
        out.upper_weeks = r.required_numbers("weeks");
        out.shares = r.required_numbers("shares");
    }
    out.reset_after_weeks = r.number("reset_after_weeks", out.reset_after_weeks);
    out.initial_weeks = r.number("initial_weeks", out.initial_weeks);
    r.done();
    return out;
}

void refusion_ladder::validate(const std::string& where) const {
    if (!enabled()) return;
    if (shares.size() != upper_weeks.size() + 1) {
        throw scenario_error(where + ".shares", fmt::format("needs one share more than weeks ({}), got {}",
                                                            upper_weeks.size() + 1, shares.size()));
    }
    for (std::size_t i = 0; i < shares.size(); ++i) {
        if (!(shares[i] >= 0.0 && shares[i] <= 1.0)) {
            throw scenario_error(fmt::format("{}.shares[{}]", where, i), fmt::format("must be a share in [0, 1], got {}", shares[i]));
        }
    }
    for (std::size_t i = 0; i < upper_weeks.size(); ++i) {
        const double prev = i == 0 ? 0.0 : upper_weeks[i - 1];
        if (!(upper_weeks[i] > prev) || !std::isfinite(upper_weeks[i])) {
            throw scenario_error(fmt::format("{}.weeks[{}]", where, i),
                                 fmt::format("must be finite and greater than {}, got {}", prev, upper_weeks[i]));
        }
    }
    if (!(initial_weeks >= 0.0) || !std::isfinite(initial_weeks)) {
        throw scenario_error(where + ".initial_weeks", fmt::format("must be >= 0 and finite, got {}", initial_weeks));
    }
    if (!(reset_after_weeks > 0.0)) {
        throw scenario_error(where + ".reset_after_weeks", fmt::format("must be > 0, got {}", reset_after_weeks));
    }
}

void book_refusion(ledger& l, std::size_t line, double rate, double t0, double t1, double age0,
                   const refusion_ladder& ladder) {
    for_refusion_segments(rate, t0, t1, age0, ladder,
                          [&](double refunded, double a, double b) { l.accrue(line, -refunded, a, b); });
}

}  // namespace tvaer
