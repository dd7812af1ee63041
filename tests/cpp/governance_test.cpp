#include "tvaer/governance.hpp"

#include <catch2/catch.hpp>

using tvaer::next_meeting;

TEST_CASE("next_meeting waits for the next multiple of the cadence", "[governance]") {
    // Meetings at 0.5, 3.5, 6.5, ... (every 3 months, phase 0.5).
    CHECK(next_meeting(0.0, 3.0, 0.5) == Approx(0.5));
    CHECK(next_meeting(0.5, 3.0, 0.5) == Approx(0.5));  // a meeting right now
    CHECK(next_meeting(0.6, 3.0, 0.5) == Approx(3.5));
    CHECK(next_meeting(10.0, 3.0, 0.5) == Approx(12.5));
    // Monthly forum at whole months.
    CHECK(next_meeting(2.25, 1.0, 0.0) == Approx(3.0));
}

TEST_CASE("next_meeting without a cadence does not wait", "[governance]") {
    CHECK(next_meeting(4.2, 0.0, 0.0) == 4.2);
}

TEST_CASE("mean wait for a meeting is half the cadence when requests arrive uniformly", "[governance]") {
    // Independent expectation: for t uniform over many cycles, E[next - t] = every / 2.
    double sum = 0.0;
    const int n = 120000;
    for (int i = 0; i < n; ++i) {
        const double t = 36.0 * (i + 0.5) / n;
        sum += next_meeting(t, 3.0, 1.0) - t;
    }
    CHECK(sum / n == Approx(1.5).epsilon(1e-3));
}

TEST_CASE("expected grant cost", "[governance]") {
    CHECK(tvaer::expected_grant_cost(5000.0, 2000.0, 12.0) == 29000.0);
}
