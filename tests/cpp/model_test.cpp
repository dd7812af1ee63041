// Compiling a scenario: ledger lines (payment-key splits, refusion), the caseload cap on the
// solution's places and the amount-ceiling flags. Expected values are worked out by hand from
// the scenario in each test.
#include "tvaer/model.hpp"

#include <catch2/catch.hpp>

#include "builders.hpp"

using namespace tvaer;
using tvaer::test::cost;

namespace {

// Sectors "a" and "b"; one track "person" with one state "here" costing `c`; nobody selected.
scenario one_state(cost_rate c) { return test::single_state({"a", "b"}, {std::move(c)}); }

}  // namespace

TEST_CASE("a shared payment key splits an intervention's solution cost into one line per sector", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    intervention iv = test::requested_on("mentor", "person", "here", sojourn::fixed(6.0), {cost("a", 400.0, 1000.0)});
    iv.grants = authority::shared;
    iv.pays = authority::shared;
    iv.payment_key = {{"a", 0.25}, {"b", 0.75}};
    sc.interventions = {iv};
    const model m = compile(sc);
    CHECK(m.budgets == std::vector<std::string>{"a", "b", "solution"});
    // The state's cost for each treatment (paid by its law's sector), then the intervention's:
    // usual families on sector a's line, solution families split 1:3 between a and b.
    REQUIRE(m.lines.size() == 5);
    CHECK(m.lines[0].source == "person/here");
    CHECK(m.lines[0].group == treatment::usual);
    CHECK(m.lines[1].group == treatment::solution);
    CHECK(m.lines[1].payer == 0);  // a state's cost is paid where its law puts it, in both treatments
    CHECK(m.lines[2].source == "intervention/mentor");
    CHECK(m.lines[2].payer == 0);
    CHECK(m.lines[2].granted_by == "sector");
    const auto& solution = m.interventions[0].costs[1];
    REQUIRE(solution.size() == 2);
    CHECK(m.lines[solution[0].line].payer == 0);
    CHECK(m.lines[solution[1].line].payer == 1);
    CHECK(m.lines[solution[1].line].law_sector == 0);  // still granted under sector a's law
    CHECK(m.lines[solution[1].line].granted_by == "shared");
    CHECK(solution[0].monthly == 100.0);  // 400 x 0.25
    CHECK(solution[0].one_off == 250.0);  // 1000 x 0.25
    CHECK(solution[1].monthly == 300.0);
    CHECK(solution[1].one_off == 750.0);
    CHECK(m.interventions[0].costs[0][0].monthly == 400.0);
}

TEST_CASE("an intervention the solution pays goes on the solution's budget inside it only", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    intervention iv = test::requested_on("coach", "person", "here", sojourn::fixed(6.0), {cost("b", 300.0)});
    iv.pays = authority::solution;
    iv.inside_unit_budget = true;
    sc.interventions = {iv};
    const model m = compile(sc);
    const auto& ci = m.interventions[0];
    CHECK(m.lines[ci.costs[0][0].line].payer == 1);  // usual: sector b
    CHECK_FALSE(m.lines[ci.costs[0][0].line].inside_unit_budget);
    CHECK(m.lines[ci.costs[1][0].line].payer == m.solution_budget());
    CHECK(m.solution_budget() == 2);
    CHECK(m.lines[ci.costs[1][0].line].inside_unit_budget);
}

TEST_CASE("a benefit under refusion gets a refund line right after it - a service does not", "[model]") {
    cost_rate benefit = cost("a", 12000.0);
    benefit.kind = cost_kind::transfer;
    scenario sc = one_state(benefit);
    sc.tracks[0].states[0].costs.push_back(cost("b", 500.0));
    sc.refusion = refusion_ladder::statutory();
    const model m = compile(sc);
    // Per treatment: the benefit, its refund, the service.
    REQUIRE(m.lines.size() == 6);
    const auto& cs = m.tracks[0].states[0];
    CHECK(cs.on_benefit);
    for (int g = 0; g < 2; ++g) {
        const auto& costs = cs.costs[g];
        REQUIRE(costs.size() == 2);
        CHECK(costs[0].line == 3u * static_cast<unsigned>(g));
        CHECK(costs[0].refusion_line == costs[0].line + 1);
        CHECK(costs[1].refusion_line == 0xffffffffu);
        const ledger_line& refund = m.lines[costs[0].refusion_line];
        CHECK(refund.source == "person/here/refusion");
        CHECK(refund.source_kind == "refusion");
        CHECK(refund.payer == 0);
        CHECK(refund.kind == cost_kind::transfer);
    }
    sc.refusion = refusion_ladder{};  // off: no refund lines
    CHECK(compile(sc).lines.size() == 4);
}

TEST_CASE("the staff's caseload caps the solution's places at floor(staff_fte x caseload)", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    sc.org.staff_fte = 2.5;
    sc.org.salary_key = {{"a", 1.0}};
    sc.org.caseload = 9.0;  // 22.5: 22 places
    sc.select.capacity = 30;
    CHECK(compile(sc).solution_capacity == 22);
    sc.select.capacity = 0;  // unlimited by the selection: the staff's 22
    CHECK(compile(sc).solution_capacity == 22);
    sc.select.capacity = 15;  // fewer places than the staff could take
    CHECK(compile(sc).solution_capacity == 15);
    sc.org.caseload = 0.0;  // no cap
    CHECK(compile(sc).solution_capacity == 15);
    sc.org.caseload = 9.0;
    sc.org.staff_fte = 0.0;  // no staff modelled: no cap either
    sc.org.salary_key = {};
    CHECK(compile(sc).solution_capacity == 15);
    sc.org.staff_fte = 0.1;
    sc.org.salary_key = {{"a", 1.0}};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains(
        "organisation.caseload: staff_fte (0.1) x caseload (9) leaves no place in the solution"));
}

TEST_CASE("staff by year cap each year's places at floor(that year's staff x caseload)", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    sc.horizon_months = 48;
    sc.org.staff_fte_by_year = {2.5, 4.0, 7.0};
    sc.org.salary_key = {{"a", 1.0}};
    sc.org.caseload = 9.0;  // 22.5, 36, 63 places
    sc.select.capacity = 50;
    auto m = compile(sc);
    CHECK(m.capacity_by_year == std::vector<std::uint32_t>{22, 36, 50});
    CHECK(m.solution_capacity == 22);
    sc.select.capacity = 0;
    sc.select.capacity_by_year = {30, 30, 30, 80};  // the longer list sets the years
    CHECK(compile(sc).capacity_by_year == std::vector<std::uint32_t>{22, 30, 30, 63});
    sc.org.caseload = 0.0;  // no cap: staff by year change the salaries only
    CHECK(compile(sc).capacity_by_year == std::vector<std::uint32_t>{30, 30, 30, 80});
    sc.select.capacity_by_year = {};
    CHECK(compile(sc).capacity_by_year.empty());
    sc.org.caseload = 9.0;
    sc.org.staff_fte_by_year = {2.5, 0.0};
    REQUIRE_THROWS_WITH(compile(sc), Catch::Contains(
        "organisation.caseload: staff_fte (0) x caseload (9) leaves no place in the solution in year 2"));
}

TEST_CASE("grants by the solution above the amount ceiling are flagged for the forum", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    sc.org.ceiling = 25000.0;
    auto iv = [](const char* name, authority grants, double monthly, double one_off, sojourn duration) {
        intervention i = test::requested_on(name, "person", "here", duration, {cost("a", monthly, one_off)});
        i.grants = grants;
        return i;
    };
    sc.interventions = {
        iv("lump", authority::solution, 100.0, 30000.0, sojourn::fixed(12.0)),    // 31,200 > 25,000
        iv("small", authority::solution, 100.0, 0.0, sojourn::fixed(12.0)),       // 1,200
        iv("sector", authority::sector, 100.0, 30000.0, sojourn::fixed(12.0)),    // the sector grants: no forum
        iv("below", authority::shared, 2000.0, 0.0, sojourn::exponential(1.0 / 12.0)),  // 2,000 x 12 = 24,000
        iv("above", authority::shared, 2100.0, 0.0, sojourn::exponential(1.0 / 12.0)),  // 25,200
        iv("at", authority::solution, 1000.0, 1000.0, sojourn::fixed(24.0)),      // 25,000: not above
    };
    const model m = compile(sc);
    const std::vector<bool> expected = {true, false, false, false, true, false};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO(m.intervention_names[i]);
        CHECK(m.interventions[i].above_ceiling == expected[i]);
    }
    sc.org.ceiling = 0.0;  // no ceiling
    for (const auto& ci : compile(sc).interventions) CHECK_FALSE(ci.above_ceiling);
}

TEST_CASE("interventions mark the states they are requested in and the states their effects act in", "[model]") {
    scenario sc = one_state(cost("a", 1000.0));
    auto& states = sc.tracks[0].states;
    states[0].transitions = {test::to("there", 0.1)};
    states.push_back(state{"there", {test::to("here", 0.2)}, std::nullopt, {}});
    sc.tracks[0].initial = {1.0, 0.0};
    intervention first = test::requested_on("first", "person", "there", sojourn::fixed(1.0), {});
    intervention second = test::requested_on("second", "person", "there", sojourn::fixed(1.0), {},
                                             {effect{"person", "there", "here", 2.0}});
    sc.interventions = {first, second};
    const model m = compile(sc);
    CHECK(m.tracks[0].states[0].requests == 0u);
    CHECK(m.tracks[0].states[1].requests == 0b11u);
    CHECK_FALSE(m.tracks[0].states[0].has_effects);
    CHECK(m.tracks[0].states[1].has_effects);
    sc.org.effects = {effect{"person", "here", "there", 0.5}};
    CHECK(compile(sc).tracks[0].states[0].has_effects);
}
