// Serviceloven § 176 (reimbursement.hpp): the formula, its lines, and the amounts a simulated
// family's yearly cost earns, against ledgers computed by hand.
#include "tvaer/reimbursement.hpp"

#include <catch2/catch.hpp>

#include "builders.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/simulation.hpp"

using namespace tvaer;
using namespace tvaer::test;

namespace {

// 96,667 kr a month: a døgninstitution at 1,160,000 kr a year (shared/parameters.md sec. 2).
constexpr double placement = 96'667.0;

/// One child per family (or `children` children) in an absorbing placement, granted by
/// "children", over `horizon` months.
scenario placed(double horizon, int children = 1) {
    scenario sc = single_state({"children", "adults"}, {cost("children", placement)}, 1, horizon);
    sc.tracks[0].members.assign(static_cast<std::size_t>(children) + 1, 0.0);
    sc.tracks[0].members.back() = 1.0;
    return sc;
}

/// The "<sector>/s176" line of the business-as-usual group.
std::size_t s176_line(const model& m, const std::string& sector) {
    for (std::size_t l = 0; l < m.lines.size(); ++l)
        if (m.lines[l].source == sector + "/s176" && m.lines[l].group == treatment::usual) return l;
    FAIL("no line " << sector << "/s176");
    return 0;
}

}  // namespace

TEST_CASE("the statutory rule reimburses 25, 50 and 75 % above each threshold", "[reimbursement]") {
    const reimbursement_rule r = reimbursement::statutory("children", "").rules.at(0);
    CHECK(reimbursed(r, 0.0) == 0.0);
    CHECK(reimbursed(r, 830'000.0) == 0.0);
    // One placement a year, 12 x 96,667 = 1,160,004: 0.25 x (1,160,004 - 830,000) = 82,501.
    CHECK(reimbursed(r, 1'160'004.0) == Approx(82'501.0));
    // Two: 2,320,008 = 0.25 x 800,000 + 0.50 x 420,000 + 0.75 x 270,008 = 200,000 + 210,000 + 202,506.
    CHECK(reimbursed(r, 2'320'008.0) == Approx(612'506.0));
    // Before 2021, adults: 25 % from 1,090,000 and 50 % from 2,050,000; 1,160,004 -> 0.25 x 70,004.
    const reimbursement_rule adult = reimbursement::pre_2021("", "adults").rules.at(0);
    CHECK_FALSE(adult.per_family);
    CHECK(reimbursed(adult, 1'160'004.0) == Approx(17'501.0));
    CHECK(reimbursed(adult, 2'150'000.0) == Approx(0.25 * 960'000.0 + 0.5 * 100'000.0));
}

TEST_CASE("a placement's net cost is its gross cost less 82,501 a year, booked in the year's last month",
          "[reimbursement]") {
    scenario sc = placed(24.0);
    sc.reimbursement = reimbursement::statutory("children", "");
    const model m = compile(sc);
    const std::size_t back = s176_line(m, "children");
    CHECK(m.lines[back].source_kind == "reimbursement");
    CHECK(m.lines[back].payer == 0);  // the children's budget, like the placement
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    for (std::size_t month = 0; month < 24; ++month) {
        const double expected = month == 11 || month == 23 ? -82'501.0 : 0.0;
        CHECK(a.costs.at(back, month) == Approx(expected).margin(1e-6));
    }
    const std::size_t cost_line = 0;  // person/here, treated as usual
    REQUIRE(m.lines[cost_line].source == "person/here");
    const double gross = line_total(a, cost_line);
    CHECK(gross == Approx(2 * 1'160'004.0));
    // The children's budget: gross - reimbursement = 2 x 1,077,503.
    double net = 0.0;
    for (std::size_t l = 0; l < m.lines.size(); ++l)
        if (m.lines[l].payer == 0) net += line_total(a, l);
    CHECK(net == Approx(2 * 1'077'503.0));
}

TEST_CASE("a partial last year is reimbursed on its own cost at the horizon", "[reimbursement]") {
    scenario sc = placed(21.0);
    sc.reimbursement = reimbursement::statutory("children", "");
    const model m = compile(sc);
    const arm_result a = simulate_arm(m, 1, 0, arm::bau);
    const std::size_t back = s176_line(m, "children");
    CHECK(a.costs.at(back, 11) == Approx(-82'501.0));
    // Months 12-20: 9 x 96,667 = 870,003; 0.25 x 40,003 = 10,000.75 in month 20, the last.
    CHECK(a.costs.at(back, 20) == Approx(-10'000.75));
    CHECK(line_total(a, back) == Approx(-92'501.75));
}

TEST_CASE("two children of one household are summed per family, and counted apart per member", "[reimbursement]") {
    scenario sc = placed(12.0, 2);
    sc.reimbursement = reimbursement::statutory("children", "");
    const model per_family = compile(sc);
    // 2 x 1,160,004 = 2,320,008 -> 612,506 (hand-computed above).
    CHECK(line_total(simulate_arm(per_family, 1, 0, arm::bau), s176_line(per_family, "children")) == Approx(-612'506.0));
    sc.reimbursement.rules[0].per_family = false;
    const model per_member = compile(sc);
    CHECK(line_total(simulate_arm(per_member, 1, 0, arm::bau), s176_line(per_member, "children")) == Approx(-2 * 82'501.0));
}

TEST_CASE("only the rule's sector and kind count", "[reimbursement]") {
    // An adult's benefit (a transfer) and a service of another sector do not count toward the
    // children's threshold: 60,000 a month of children's services alone stays below 830,000.
    scenario sc = placed(12.0);
    cost_rate benefit = cost("children", 50'000.0);
    benefit.kind = cost_kind::transfer;
    sc.tracks[0].states[0].costs = {cost("children", 60'000.0), benefit, cost("adults", 50'000.0)};
    sc.reimbursement = reimbursement::statutory("children", "");
    const model m = compile(sc);
    CHECK(line_total(simulate_arm(m, 1, 0, arm::bau), s176_line(m, "children")) == 0.0);
    sc.reimbursement.rules[0].kind = cost_kind::transfer;  // 600,000 of benefits: none either
    sc.reimbursement.rules[0].thresholds = {500'000.0};
    sc.reimbursement.rules[0].shares = {0.5};
    const model t = compile(sc);
    CHECK(line_total(simulate_arm(t, 1, 0, arm::bau), s176_line(t, "children")) == Approx(-50'000.0));
}

TEST_CASE("without the table nothing changes: no lines, the same costs", "[reimbursement]") {
    scenario sc = placed(24.0);
    const model off = compile(sc);
    sc.reimbursement = reimbursement::statutory("children", "");
    const model on = compile(sc);
    REQUIRE(on.lines.size() == off.lines.size() + 2);  // one s176 line per group
    const arm_result a = simulate_arm(off, 7, 3, arm::bau), b = simulate_arm(on, 7, 3, arm::bau);
    for (std::size_t l = 0; l < off.lines.size(); ++l)
        for (std::size_t month = 0; month < 24; ++month) CHECK(a.costs.at(l, month) == b.costs.at(l, month));
}

TEST_CASE("a year's reimbursement is split pro rata over the groups its cost was booked in", "[reimbursement]") {
    // A hand-made model: two cost lines of "children" in two groups (buckets 0 and 1).
    model m;
    m.spec.sectors = {"children"};
    m.spec.reimbursement = reimbursement::statutory("children", "");
    ledger_line usual, solution;
    usual.source = solution.source = "person/here";
    usual.source_kind = solution.source_kind = "state";
    solution.group = treatment::solution;
    m.lines = {usual, solution};
    detail::compile_reimbursement(m);
    REQUIRE(m.lines.size() == 4);
    CHECK(m.lines[2].group == treatment::usual);
    CHECK(m.lines[3].group == treatment::solution);
    detail::reimbursement_book book(m.reimbursement, 12);
    // 3 months as usual, 9 inside the solution: 1,160,004 in the year, reimbursed 82,501, of which
    // 3/12 = 20,625.25 on the usual group's line and 61,875.75 on the solution's.
    book.accrue(0, 0, 0, placement, 0.0, 3.0);
    book.accrue(1, 0, 0, placement, 3.0, 12.0);
    std::vector<double> on(4, 0.0);
    book.settle([&](std::uint32_t member, std::uint32_t line, double amount, double t) {
        CHECK(member == 0);
        CHECK(t == 11.0);
        on[line] += amount;
    });
    CHECK(on[2] == Approx(-20'625.25));
    CHECK(on[3] == Approx(-61'875.75));
}

TEST_CASE("reimbursement rules are validated", "[reimbursement]") {
    scenario sc = placed(12.0);
    sc.reimbursement = reimbursement::statutory("children", "");
    auto& r = sc.reimbursement.rules[0];
    r.sector = "school";
    REQUIRE_THROWS_WITH(sc.validate(), Catch::Contains("reimbursement.rules[0].sector: unknown sector 'school' (known: children, adults)"));
    r.sector = "children";
    r.shares = {0.25, 0.5};
    REQUIRE_THROWS_WITH(sc.validate(), Catch::Contains("reimbursement.rules[0].shares: needs one share per threshold (3), got 2"));
    r.shares = {0.25, 1.5, 0.75};
    REQUIRE_THROWS_WITH(sc.validate(), Catch::Contains("reimbursement.rules[0].shares[1]: must be a share in [0, 1], got 1.5"));
    r.shares = {0.25, 0.5, 0.75};
    r.thresholds = {830'000.0, 800'000.0, 2'050'000.0};
    REQUIRE_THROWS_WITH(sc.validate(), Catch::Contains("reimbursement.rules[0].thresholds[1]: must be an amount in DKK a year, greater than 830000 and at most 1e12, got 800000"));
    r.thresholds = {830'000.0, 1'630'000.0, 2'050'000.0};
    sc.reimbursement.rules.push_back(r);
    REQUIRE_THROWS_WITH(sc.validate(), Catch::Contains("reimbursement.rules[1]: a second rule on the service costs of sector 'children' (rules[0] covers them)"));
}
