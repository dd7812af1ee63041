#include "tvaer/refusion.hpp"

#include <catch2/catch.hpp>

#include "tvaer/error.hpp"
#include "tvaer/ledger.hpp"

using namespace tvaer;

namespace {
double total(const ledger& l) {
    double s = 0.0;
    for (double x : l.totals()) s += x;
    return s;
}
// Months at which the statutory steps end, for a member starting at duration 0.
constexpr double w4 = 4.0 / weeks_per_month, w26 = 26.0 / weeks_per_month, w52 = 52.0 / weeks_per_month;
}  // namespace

TEST_CASE("refusion over a first benefit year follows the statutory ladder", "[refusion]") {
    ledger l(1, 24);
    const double rate = 10000.0;
    book_refusion(l, 0, rate, 0.0, 24.0, 0.0, refusion_ladder::statutory());
    l.finish();
    // By hand: 0.8 * 4 weeks + 0.4 * 22 weeks + 0.3 * 26 weeks + 0.2 * the rest of 24 months.
    const double expected = rate * (0.8 * w4 + 0.4 * (w26 - w4) + 0.3 * (w52 - w26) + 0.2 * (24.0 - w52));
    CHECK(total(l) == Approx(-expected).epsilon(1e-12));
    // Month 0 lies wholly in weeks 1-4.35: the first 4 weeks at 80 %, the rest at 40 %.
    CHECK(l.at(0, 0) == Approx(-rate * (0.8 * w4 + 0.4 * (1.0 - w4))));
    // Month 20 is past week 53: 20 %.
    CHECK(l.at(0, 20) == Approx(-0.2 * rate));
}

TEST_CASE("refusion continues the duration a member already has", "[refusion]") {
    ledger l(1, 12);
    book_refusion(l, 0, 1000.0, 2.0, 5.0, 30.0, refusion_ladder::statutory());  // 30 months on benefits
    l.finish();
    CHECK(total(l) == Approx(-0.2 * 1000.0 * 3.0));
    ledger m(1, 12);
    book_refusion(m, 0, 1000.0, 0.0, 2.0, w26 - 1.0, refusion_ladder::statutory());  // 1 month before week 26
    m.finish();
    CHECK(total(m) == Approx(-(0.4 * 1000.0 + 0.3 * 1000.0)));
}

TEST_CASE("a negative rate books the opposite refusion", "[refusion]") {
    ledger l(1, 12);
    book_refusion(l, 0, 500.0, 0.5, 9.0, 1.0, refusion_ladder::statutory());
    book_refusion(l, 0, -500.0, 0.5, 9.0, 1.0, refusion_ladder::statutory());
    l.finish();
    CHECK(total(l) == Approx(0.0).margin(1e-9));
}

TEST_CASE("refusion ladders are validated", "[refusion]") {
    refusion_ladder bad{{4.0, 26.0}, {0.8, 0.4}, 52.0, 0.0};
    REQUIRE_THROWS_WITH(bad.validate("refusion"), Catch::Contains("refusion.shares: needs one share more than weeks (3), got 2"));
    bad = {{4.0, 3.0}, {0.8, 0.4, 0.2}, 52.0, 0.0};
    REQUIRE_THROWS_WITH(bad.validate("refusion"), Catch::Contains("refusion.weeks[1]: must be finite and greater than 4, got 3"));
    bad = {{4.0}, {0.8, 1.4}, 52.0, 0.0};
    REQUIRE_THROWS_WITH(bad.validate("refusion"), Catch::Contains("refusion.shares[1]: must be a share in [0, 1], got 1.4"));
}
