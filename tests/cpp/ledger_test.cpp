// Exact monthly accrual: every expected value below is worked out by hand from the interval and
// the rate (month m is [m, m+1)); the amounts are binary fractions, so sums are exact.
#include <catch2/catch.hpp>

#include <vector>

#include "tvaer/ledger.hpp"

using tvaer::ledger;

namespace {
std::vector<double> row(const ledger& l, std::size_t line) {
    std::vector<double> out;
    for (std::size_t m = 0; m < l.months(); ++m) out.push_back(l.at(line, m));
    return out;
}
using months = std::vector<double>;
}  // namespace

TEST_CASE("ledger: a spell inside one month", "[ledger]") {
    ledger l(1, 3);
    l.accrue(0, 100.0, 1.25, 1.75);  // half a month at 100
    l.finish();
    CHECK(row(l, 0) == months{0.0, 50.0, 0.0});
}

TEST_CASE("ledger: a spell across month boundaries", "[ledger]") {
    ledger l(1, 4);
    l.accrue(0, 100.0, 0.5, 2.25);  // 0.5 of month 0, all of month 1, 0.25 of month 2
    l.finish();
    CHECK(row(l, 0) == months{50.0, 100.0, 25.0, 0.0});
}

TEST_CASE("ledger: a spell across a year boundary", "[ledger]") {
    ledger l(1, 26);
    l.accrue(0, 12.0, 10.5, 13.5);  // months 10 (half), 11, 12, 13 (half); year 0 gets 18, year 1 18
    l.finish();
    months want(26, 0.0);
    want[10] = 6.0, want[11] = 12.0, want[12] = 12.0, want[13] = 6.0;
    CHECK(row(l, 0) == want);
    double year0 = 0.0, year1 = 0.0;
    for (std::size_t m = 0; m < 12; ++m) year0 += l.at(0, m);
    for (std::size_t m = 12; m < 24; ++m) year1 += l.at(0, m);
    CHECK(year0 == 18.0);
    CHECK(year1 == 18.0);
}

TEST_CASE("ledger: zero-length and reversed intervals and zero rates book nothing", "[ledger]") {
    ledger l(1, 3);
    l.accrue(0, 100.0, 2.0, 2.0);
    l.accrue(0, 100.0, 1.5, 1.5);
    l.accrue(0, 100.0, 2.0, 1.0);
    l.accrue(0, 0.0, 0.0, 3.0);
    l.finish();
    CHECK(row(l, 0) == months{0.0, 0.0, 0.0});
}

TEST_CASE("ledger: a rate change exactly at a month boundary", "[ledger]") {
    ledger l(1, 4);
    l.accrue(0, 10.0, 0.0, 2.0);
    l.accrue(0, 20.0, 2.0, 4.0);
    l.finish();
    CHECK(row(l, 0) == months{10.0, 10.0, 20.0, 20.0});
}

TEST_CASE("ledger: spells ending exactly at the horizon", "[ledger]") {
    ledger l(3, 3);
    l.accrue(0, 5.0, 1.5, 3.0);  // half of month 1, all of month 2
    l.accrue(1, 7.0, 0.0, 3.0);  // the whole horizon
    l.accrue(2, 4.0, 2.5, 3.0);  // the last half month
    l.finish();
    CHECK(row(l, 0) == months{0.0, 2.5, 5.0});
    CHECK(row(l, 1) == months{7.0, 7.0, 7.0});
    CHECK(row(l, 2) == months{0.0, 0.0, 2.0});
}

TEST_CASE("ledger: lumps go to the month they fall in - at the horizon into the last month", "[ledger]") {
    ledger l(2, 3);
    l.lump(0, 100.0, 0.0);
    l.lump(0, 10.0, 0.999);
    l.lump(0, 1.0, 1.0);
    l.lump(1, 50.0, 3.0);
    l.accrue(1, 2.0, 0.0, 3.0);
    l.finish();
    CHECK(row(l, 0) == months{110.0, 1.0, 0.0});
    CHECK(row(l, 1) == months{2.0, 2.0, 52.0});
}

TEST_CASE("ledger: negative rates move an open spell between lines", "[ledger]") {
    // A spell [0, 3.5) on line 0 switches to line 1 at t = 1.5. The simulation books the whole
    // spell on the line of the moment when it ends, so it moves the part after 1.5 by booking
    // -10 on line 0 and +10 on line 1 over [1.5, 3.5) (and the reverse order of operations too).
    ledger l(2, 4);
    l.accrue(0, 10.0, 0.0, 3.5);
    l.accrue(0, -10.0, 1.5, 3.5);
    l.accrue(1, 10.0, 1.5, 3.5);
    l.finish();
    CHECK(row(l, 0) == months{10.0, 5.0, 0.0, 0.0});
    CHECK(row(l, 1) == months{0.0, 5.0, 10.0, 5.0});

    ledger r(2, 4);  // as set_treatment does it: credit the old line now, debit the new one
    r.accrue(0, 10.0, 0.0, 1.5);
    r.accrue(1, -10.0, 0.0, 1.5);
    r.accrue(1, 10.0, 0.0, 3.5);
    r.finish();
    CHECK(row(r, 0) == months{10.0, 5.0, 0.0, 0.0});
    CHECK(row(r, 1) == months{0.0, 5.0, 10.0, 5.0});
}

TEST_CASE("ledger: lines do not leak into each other", "[ledger]") {
    ledger l(3, 2);
    l.accrue(1, 8.0, 0.0, 2.0);
    l.lump(1, 1.0, 1.5);
    l.finish();
    CHECK(row(l, 0) == months{0.0, 0.0});
    CHECK(row(l, 1) == months{8.0, 9.0});
    CHECK(row(l, 2) == months{0.0, 0.0});
    CHECK(l.totals() == months{0.0, 0.0, 8.0, 9.0, 0.0, 0.0});
    CHECK(l.lines() == 3);
    CHECK(l.months() == 2);
}

TEST_CASE("ledger: finish() is idempotent and reset() clears", "[ledger]") {
    ledger l(1, 3);
    l.accrue(0, 4.0, 0.5, 2.5);
    l.finish();
    const auto once = row(l, 0);
    l.finish();
    CHECK(row(l, 0) == once);
    CHECK(once == months{2.0, 4.0, 2.0});
    l.reset();
    l.finish();
    CHECK(row(l, 0) == months{0.0, 0.0, 0.0});
    l.reset();
    l.accrue(0, 1.0, 0.0, 1.0);
    l.finish();
    CHECK(row(l, 0) == months{1.0, 0.0, 0.0});
}

TEST_CASE("ledger: drop_months removes the first months of every line (a warm-up)", "[ledger]") {
    ledger l(2, 4);
    l.accrue(0, 4.0, 0.5, 2.5);   // 2, 4, 2, 0
    l.accrue(1, 1.0, 1.0, 4.0);   // 0, 1, 1, 1
    l.lump(1, 10.0, 3.0);         // month 3
    REQUIRE_THROWS_WITH(l.drop_months(1), "ledger::drop_months: call after finish(), with n <= months()");
    l.finish();
    l.drop_months(2);
    CHECK(l.months() == 2);
    CHECK(row(l, 0) == months{2.0, 0.0});
    CHECK(row(l, 1) == months{1.0, 11.0});
    REQUIRE_THROWS_WITH(l.drop_months(3), "ledger::drop_months: call after finish(), with n <= months()");
}

TEST_CASE("ledger: an interval cut once books what accrue(t0, t1) books, for every rate on it", "[ledger]") {
    // By hand: [0.5, 2.25) at 100 is 50, 100, 25; at 8 it is 4, 8, 2. Inside one month, [1.25,
    // 1.75) at 100 is 50. Empty and reversed intervals, and a zero rate, book nothing.
    ledger cut(2, 4);
    const ledger::interval across = ledger::cut(0.5, 2.25);
    cut.accrue(0, 100.0, across);
    cut.accrue(1, 8.0, across);
    cut.accrue(0, 100.0, ledger::cut(1.25, 1.75));
    cut.accrue(0, 100.0, ledger::cut(2.0, 2.0));
    cut.accrue(0, 100.0, ledger::cut(3.0, 1.0));
    cut.accrue(1, 0.0, ledger::cut(0.0, 4.0));
    cut.finish();
    CHECK(row(cut, 0) == months{50.0, 150.0, 25.0, 0.0});
    CHECK(row(cut, 1) == months{4.0, 8.0, 2.0, 0.0});

    // Bit for bit the two-time form on intervals whose parts are not binary fractions, one
    // booking after another on the same line (the order of additions is the same).
    ledger twice(1, 60), once(1, 60);
    const double ends[][2] = {{0.1, 0.3}, {0.3, 7.7}, {7.7, 8.0}, {8.0, 59.9999}, {3.3, 3.3}, {12.0, 13.0}, {1.0 / 3.0, 59.0 + 2.0 / 3.0}};
    for (const auto& e : ends) {
        for (const double rate : {14993.0, -0.2 * 14993.0, 2666.0 / 3.0}) {
            twice.accrue(0, rate, e[0], e[1]);
            once.accrue(0, rate, ledger::cut(e[0], e[1]));
        }
    }
    twice.finish();
    once.finish();
    CHECK(row(once, 0) == row(twice, 0));
}
