#include "tvaer/allocation.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <random>

#include "tvaer/error.hpp"
#include "tvaer/reference.hpp"

using namespace tvaer;

namespace {

/// Builds a line_years by hand: budgets are the sectors plus "solution"; amounts per line in DKK.
struct ledger_sketch {
    std::vector<std::string> budgets;
    std::size_t years;
    std::vector<ledger_line> lines;
    std::vector<std::vector<double>> bau, sol;

    ledger_sketch(std::vector<std::string> sectors, std::size_t y) : budgets(std::move(sectors)), years(y) {
        budgets.push_back("solution");
    }
    std::uint32_t index(const std::string& name) const {
        return static_cast<std::uint32_t>(std::find(budgets.begin(), budgets.end(), name) - budgets.begin());
    }
    ledger_line& add(const std::string& source, const std::string& payer, std::vector<double> b, std::vector<double> s) {
        ledger_line l;
        l.source = source;
        l.source_kind = source == "staff" ? "staff" : source.rfind("intervention/", 0) == 0 ? "intervention" : "state";
        l.payer = index(payer);
        l.law_sector = l.payer == budgets.size() - 1 ? 0 : l.payer;
        lines.push_back(l);
        b.resize(years, 0.0);
        s.resize(years, 0.0);
        bau.push_back(b);
        sol.push_back(s);
        return lines.back();
    }
    line_years build() const {
        line_years ly{budgets, lines, years, std::vector<double>(2 * lines.size() * years, 0.0)};
        for (std::size_t l = 0; l < lines.size(); ++l)
            for (std::size_t y = 0; y < years; ++y) {
                ly.at(arm::bau, l, y) = bau[l][y];
                ly.at(arm::solution, l, y) = sol[l][y];
            }
        return ly;
    }
};

double dkk(const settlement& s, const std::vector<ore>& table, const std::string& budget, std::size_t year) {
    const auto b = static_cast<std::uint32_t>(std::find(s.budgets.begin(), s.budgets.end(), budget) - s.budgets.begin());
    return to_dkk(s.at(table, b, year));
}

ore year_total(const settlement& s, const std::vector<ore>& table, std::size_t year) {
    ore sum = 0;
    for (std::uint32_t b = 0; b < s.budgets.size(); ++b) sum += s.at(table, b, year);
    return sum;
}

}  // namespace

// ---- money ---------------------------------------------------------------------------------

TEST_CASE("øre rounding and apportioning are exact and deterministic", "[allocation]") {
    REQUIRE(to_ore(0.125) == 13);   // 12.5 øre, half away from zero
    REQUIRE(to_ore(-0.125) == -13);
    REQUIRE(to_ore(1234.56) == 123456);
    REQUIRE(apportion(100, {1, 1, 1}) == std::vector<ore>{34, 33, 33});     // ties to the lower index
    REQUIRE(apportion(-100, {1, 1, 1}) == std::vector<ore>{-34, -33, -33});  // symmetric
    REQUIRE(apportion(10, {0.6, 0.2, 0.2}) == std::vector<ore>{6, 2, 2});
    REQUIRE(apportion(1, {1, 0, 1}) == std::vector<ore>{1, 0, 0});
    // 10000 øre by 1/2, 1/3, 1/6: quotas 5000, 3333.33, 1666.67; the spare øre goes to 0.67.
    REQUIRE(apportion(10000, {1.0 / 2, 1.0 / 3, 1.0 / 6}) == std::vector<ore>{5000, 3333, 1667});
    REQUIRE(round_to_total(10, {3.3, 3.3, 3.4}) == std::vector<ore>{3, 3, 4});
    REQUIRE(round_to_total(9, {3.3, 3.3, 3.4}) == std::vector<ore>{3, 3, 3});
    REQUIRE(round_to_total(8, {3.3, 3.3, 3.4}) == std::vector<ore>{2, 3, 3});  // takes from the smallest fraction
}

TEST_CASE("money helpers reject bad input with a message", "[allocation]") {
    REQUIRE_THROWS_WITH(to_ore(std::nan(""), "x.y"), Catch::Contains("x.y: must be finite"));
    REQUIRE_THROWS_WITH(apportion(5, {1, -1}), Catch::Contains("apportion: weights[1] must be >= 0 and finite, got -1"));
    REQUIRE_THROWS_WITH(apportion(5, {0, 0}), Catch::Contains("apportion: the weights sum to 0"));
    REQUIRE_THROWS_WITH(round_to_total(3, {}), Catch::Contains("no targets to carry 3"));
}

// ---- rule 1 --------------------------------------------------------------------------------

TEST_CASE("pay where granted: each line's payer pays and nothing moves", "[allocation]") {
    ledger_sketch k({"employment", "children"}, 2);
    k.add("adults/S1", "employment", {100, 100}, {80, 60});
    k.add("children/placement", "children", {50, 50}, {70, 40});
    const auto s = settle(k.build(), {pay_where_granted()});
    REQUIRE(s.transfers.empty());
    REQUIRE(s.gross_solution == s.granted_solution);
    REQUIRE(dkk(s, s.net, "employment", 0) == 20.0);
    REQUIRE(dkk(s, s.net, "employment", 1) == 40.0);
    REQUIRE(dkk(s, s.net, "children", 0) == -20.0);
    REQUIRE(dkk(s, s.difference, "children", 0) == 20.0);
    REQUIRE(dkk(s, s.net, "children", 1) == 10.0);
    REQUIRE(dkk(s, s.net, "solution", 0) == 0.0);
}

// ---- rule 2 --------------------------------------------------------------------------------

TEST_CASE("fixed key splits a mentor 60/20/20 (Assens, L3057-3075)", "[allocation]") {
    ledger_sketch k({"employment", "adults", "children"}, 2);
    k.add("intervention/mentor", "employment", {}, {100000, 50000}).group = treatment::solution;
    k.add("intervention/mentor", "employment", {30000, 0}, {});  // treated as usual
    const auto in = k.build();
    const key mentor{{"employment", 0.6}, {"adults", 0.2}, {"children", 0.2}};

    const auto s = settle(in, {fixed_key("mentor", "mentor", mentor)});
    REQUIRE(dkk(s, s.gross_solution, "employment", 0) == 60000.0);
    REQUIRE(dkk(s, s.gross_solution, "adults", 0) == 20000.0);
    REQUIRE(dkk(s, s.gross_solution, "children", 0) == 20000.0);
    REQUIRE(dkk(s, s.gross_solution, "employment", 1) == 30000.0);
    REQUIRE(dkk(s, s.gross_solution, "children", 1) == 10000.0);
    REQUIRE(dkk(s, s.gross_bau, "employment", 0) == 30000.0);  // usual group untouched
    REQUIRE(s.transfers.size() == 4);  // adults and children take over from employment, 2 years
    const auto& t = s.transfers[0];
    REQUIRE((t.rule == "mentor" && t.cost_shift && t.books == arm::solution && t.year == 0));
    REQUIRE((t.from == 1 && t.to == 0 && t.amount == 2000000));

    const auto all = settle(in, {fixed_key("mentor", "mentor", mentor, false)});
    REQUIRE(dkk(all, all.gross_bau, "employment", 0) == 18000.0);
    REQUIRE(dkk(all, all.gross_bau, "adults", 0) == 6000.0);
}

// ---- rule 3 --------------------------------------------------------------------------------

TEST_CASE("salary key carries the staff ½ / ⅓ / ⅙ (Høje-Taastrup, L3596-3602)", "[allocation]") {
    ledger_sketch k({"employment", "children", "adults"}, 2);
    // 1.2 FTE x 580,000 DKK = 696,000 DKK a year (L1795-1799; parameters.md salary).
    k.add("staff", "solution", {}, {696000, 100});
    const key salaries{{"children", 1.0 / 2}, {"employment", 1.0 / 3}, {"adults", 1.0 / 6}};
    const auto s = settle(k.build(), {salary_key("coordinators", salaries)});
    REQUIRE(dkk(s, s.gross_solution, "children", 0) == 348000.0);
    REQUIRE(dkk(s, s.gross_solution, "employment", 0) == 232000.0);
    REQUIRE(dkk(s, s.gross_solution, "adults", 0) == 116000.0);
    REQUIRE(dkk(s, s.gross_solution, "solution", 0) == 0.0);
    // 100 DKK: 50.00, 33.33 and 16.67 (the spare øre to the largest fraction, 0.67).
    REQUIRE(dkk(s, s.gross_solution, "children", 1) == 50.0);
    REQUIRE(dkk(s, s.gross_solution, "employment", 1) == 33.33);
    REQUIRE(dkk(s, s.gross_solution, "adults", 1) == 16.67);
}

// ---- rule 4 --------------------------------------------------------------------------------

namespace {
ledger_sketch helsingor() {
    ledger_sketch k({"children", "employment"}, 1);
    auto& inside = k.add("intervention/internal_placement", "children", {}, {1000000});
    inside.group = treatment::solution;
    inside.inside_unit_budget = true;
    k.add("children/placement", "children", {1200000}, {});
    k.add("adults/kontanthjaelp", "employment", {600000}, {500000}).kind = cost_kind::transfer;
    k.add("staff", "solution", {}, {800000}).inside_unit_budget = true;
    return k;
}
}  // namespace

TEST_CASE("own budget covering inside items, funded 90/10 (Helsingør, L5953-5973)", "[allocation]") {
    unit_funding f;
    f.shares = {{"children", 0.9}, {"employment", 0.1}};
    const auto s = settle(helsingor().build(), {own_budget("SB Familier", unit_items::inside, f)});
    // The unit carries the inside placement and the staff: 1.8 mio.; children fund 90 %.
    REQUIRE(dkk(s, s.gross_solution, "solution", 0) == 1800000.0);
    REQUIRE(dkk(s, s.gross_solution, "children", 0) == 0.0);
    REQUIRE(dkk(s, s.settled, "children", 0) == -1620000.0);
    REQUIRE(dkk(s, s.settled, "employment", 0) == -180000.0);
    REQUIRE(dkk(s, s.net, "children", 0) == 1200000.0 - 1620000.0);
    REQUIRE(dkk(s, s.net, "employment", 0) == 100000.0 - 180000.0);
    REQUIRE(dkk(s, s.net, "solution", 0) == 0.0);

    unit_funding fixed;  // a fixed budget moved into the unit: 15.1 mio. (L5953-5957)
    fixed.shares = f.shares;
    fixed.total = {15100000};
    const auto t = settle(helsingor().build(), {own_budget("SB Familier", unit_items::inside, fixed)});
    REQUIRE(dkk(t, t.settled, "children", 0) == -13590000.0);
    REQUIRE(dkk(t, t.settled, "solution", 0) == 15100000.0);
}

TEST_CASE("own budget for salaries only, funded by amounts (Assens, L5111-5133)", "[allocation]") {
    unit_funding f;
    f.amounts = {{"children", {2200000}}, {"employment", {300000}}};
    const auto s = settle(helsingor().build(), {own_budget("Job og Familie", unit_items::salaries, f)});
    REQUIRE(dkk(s, s.gross_solution, "children", 0) == 1000000.0);  // inside item stays with the sector
    REQUIRE(dkk(s, s.gross_solution, "solution", 0) == 800000.0);
    REQUIRE(dkk(s, s.net, "solution", 0) == 2500000.0 - 800000.0);
    REQUIRE(dkk(s, s.net, "children", 0) == 1200000.0 - 1000000.0 - 2200000.0);
}

// ---- rule 5 --------------------------------------------------------------------------------

namespace {
/// Albertslund: BA saves 1.5 mio., SF 1.2 mio., SPO spends 0.2 mio. more: 2.5 mio. achieved.
ledger_sketch albertslund() {
    ledger_sketch k({"BA", "SF", "SPO"}, 1);
    k.add("a", "BA", {10000000}, {8500000});
    k.add("b", "SF", {6000000}, {4800000});
    k.add("c", "SPO", {4000000}, {4200000});
    return k;
}
}  // namespace

TEST_CASE("Albertslund's 3.0 / 2.5 / 0.5 mio. shortfall is split equally (L3746-3758)", "[allocation]") {
    const auto req = efficiency_requirement("FOM 2018", {equal_split({3000000}, {"BA", "SF", "SPO"})}, shortfall::pooled);
    const auto s = settle(albertslund().build(), {req});
    for (const char* b : {"BA", "SF", "SPO"}) {
        INFO(b);
        REQUIRE(dkk(s, s.required, b, 0) == 1000000.0);
        // each is credited 2.5 / 3 mio. and carries 0.5 / 3 = 166,666.67 of the shortfall
        REQUIRE(dkk(s, s.net, b, 0) == Approx(833333.33).margin(0.011));
        REQUIRE(dkk(s, s.net, b, 0) - dkk(s, s.required, b, 0) == Approx(-166666.67).margin(0.011));
    }
    REQUIRE(year_total(s, s.net, 0) - year_total(s, s.required, 0) == -50000000);  // exactly 0.5 mio.
    // BA (index 0) gets the spare øre: 833,333.34. BA pays 666,666.66 and SF 366,666.67 to SPO.
    REQUIRE(s.transfers.size() == 2);
    REQUIRE((s.transfers[0].from == 0 && s.transfers[0].to == 2 && s.transfers[0].amount == 66666666));
    REQUIRE((s.transfers[1].from == 1 && s.transfers[1].to == 2 && s.transfers[1].amount == 36666667));
    REQUIRE_FALSE(s.transfers[0].cost_shift);

    const auto own = settle(albertslund().build(),
                            {efficiency_requirement("FOM 2018", {equal_split({3000000}, {"BA", "SF", "SPO"})})});
    REQUIRE(own.transfers.empty());
    REQUIRE(dkk(own, own.net, "BA", 0) - dkk(own, own.required, "BA", 0) == 500000.0);
    REQUIRE(dkk(own, own.net, "SPO", 0) - dkk(own, own.required, "SPO", 0) == -1200000.0);
}

TEST_CASE("requirements on two sectors, on one sector, and by service and transfer", "[allocation]") {
    ledger_sketch k({"employment", "children", "adults", "health"}, 2);
    k.add("adults/benefit", "employment", {5000000, 5000000}, {4000000, 4000000}).kind = cost_kind::transfer;
    k.add("children/measure", "children", {2000000, 2000000}, {1400000, 1400000});
    k.add("adults/support", "adults", {1000000, 1000000}, {1300000, 1300000});
    const auto in = k.build();

    // Furesø: 6 mio. equally on two sectors (L3759-3761).
    auto s = settle(in, {efficiency_requirement("SB", {equal_split({6000000}, {"adults", "employment"})})});
    REQUIRE(dkk(s, s.required, "adults", 0) == 3000000.0);
    REQUIRE(dkk(s, s.required, "employment", 0) == 3000000.0);
    REQUIRE(dkk(s, s.required, "adults", 1) == 0.0);

    // Helsingør: 0.9 mio. in 2018 and 1.9 mio. in 2019, all on children (L3740-3744, L5977-5981).
    s = settle(in, {efficiency_requirement("SB Familier", {{{900000, 1900000}, {{"children", 1.0}}, {}}})});
    REQUIRE(dkk(s, s.required, "children", 0) == 900000.0);
    REQUIRE(dkk(s, s.required, "children", 1) == 1900000.0);
    REQUIRE(dkk(s, s.required, "employment", 1) == 0.0);

    // Høje-Taastrup: transfers (60 % of 3 mio.) on employment, service 0.48 mio. equally on three
    // (L6499-6527). Achieved: transfers 1.0 mio.; service 0.6 - 0.3 = 0.3 mio.
    const std::vector<requirement_part> tits{
        {{1800000}, {{"employment", 1.0}}, cost_kind::transfer},
        equal_split({480000}, {"children", "adults", "health"}, cost_kind::service)};
    s = settle(in, {efficiency_requirement("TITS", tits, shortfall::pooled)});
    REQUIRE(dkk(s, s.required, "employment", 0) == 1800000.0);
    REQUIRE(dkk(s, s.required, "health", 0) == 160000.0);
    REQUIRE(dkk(s, s.net, "employment", 0) == 1000000.0);
    for (const char* b : {"children", "adults", "health"}) REQUIRE(dkk(s, s.net, b, 0) == 100000.0);
}

// ---- rule 6 --------------------------------------------------------------------------------

TEST_CASE("retrospective redistribution of a 1.5 mio. saving (Albertslund, L3912-3933)", "[allocation]") {
    // Baselines 10, 6, 4 mio.; realised 9, 5, 4.5 mio.: savings 1.0, 1.0, -0.5, total 1.5 mio.
    ledger_sketch k({"BA", "SF", "SPO"}, 1);
    k.add("a", "BA", {10000000}, {9000000});
    k.add("b", "SF", {6000000}, {5000000});
    k.add("c", "SPO", {4000000}, {4500000});
    const auto in = k.build();
    const std::vector<std::string> three{"BA", "SF", "SPO"};
    const auto net = [&](share_basis basis, const char* b) {
        const auto s = settle(in, {retrospective("FOM", three, basis)});
        return dkk(s, s.net, b, 0);
    };
    REQUIRE(net(share_basis::equal, "BA") == 500000.0);
    REQUIRE(net(share_basis::equal, "SPO") == 500000.0);
    REQUIRE(net(share_basis::baseline, "BA") == 750000.0);   // 1.5 x 10/20
    REQUIRE(net(share_basis::baseline, "SF") == 450000.0);   // 1.5 x 6/20
    REQUIRE(net(share_basis::baseline, "SPO") == 300000.0);  // 1.5 x 4/20
    REQUIRE(net(share_basis::invested, "SPO") == 1500000.0); // the only sector that put money in
    REQUIRE(net(share_basis::invested, "BA") == 0.0);
    REQUIRE(net(share_basis::gained, "BA") == 750000.0);
    REQUIRE(net(share_basis::gained, "SPO") == 0.0);

    k.add("staff", "solution", {}, {300000});  // the unit's cost is pooled too: 1.2 mio. left
    const auto s = settle(k.build(), {retrospective("FOM", three, share_basis::equal)});
    REQUIRE(dkk(s, s.net, "SF", 0) == 400000.0);
    REQUIRE(dkk(s, s.net, "solution", 0) == 0.0);
}

// ---- rule 7 --------------------------------------------------------------------------------

TEST_CASE("Shapley values of hand-computed three-player games", "[allocation]") {
    // v(A)=v(B)=v(C)=0, v(AB)=90, v(AC)=80, v(BC)=70, v(ABC)=120. Marginal contributions over the
    // six orders ABC ACB BAC BCA CAB CBA: A 0,0,90,50,80,50 -> 270/6 = 45;
    // B 90,40,0,0,40,70 -> 240/6 = 40; C 30,80,30,70,0,0 -> 210/6 = 35.
    const std::vector<double> v{0, 0, 0, 90, 0, 80, 70, 120};  // bit 0 = A, bit 1 = B, bit 2 = C
    const auto phi = shapley_values(3, v);
    REQUIRE(phi[0] == Approx(45.0));
    REQUIRE(phi[1] == Approx(40.0));
    REQUIRE(phi[2] == Approx(35.0));
    // Glove game: A holds a left glove, B and C right gloves; a pair is worth 1. The pivotal
    // player per order: ABC -> B, ACB -> C, BAC, BCA, CAB, CBA -> A. So A 4/6, B 1/6, C 1/6.
    const auto glove = shapley_values(3, [](std::uint64_t m) { return (m & 1) && (m & 6) ? 1.0 : 0.0; });
    REQUIRE(glove[0] == Approx(2.0 / 3));
    REQUIRE(glove[1] == Approx(1.0 / 6));
    REQUIRE(glove[2] == Approx(1.0 / 6));
}

namespace {
/// Second implementation: average marginal contribution over all orders.
std::vector<double> shapley_by_orders(std::size_t n, const std::vector<double>& v) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<double> phi(n, 0.0);
    double count = 0;
    do {
        std::uint64_t mask = 0;
        for (auto i : order) {
            phi[i] += v[mask | (1u << i)] - v[mask];
            mask |= 1u << i;
        }
        ++count;
    } while (std::next_permutation(order.begin(), order.end()));
    for (auto& x : phi) x /= count;
    return phi;
}
}  // namespace

TEST_CASE("Shapley: efficiency, symmetry, null player, and agreement with all orders", "[allocation]") {
    std::mt19937_64 gen(20180601);
    std::uniform_real_distribution<double> u(-5.0, 10.0);
    for (int round = 0; round < 40; ++round) {
        const std::size_t n = 2 + round % 5;
        std::vector<double> base(std::size_t{1} << n);
        for (auto& x : base) x = u(gen);
        // Player 0 is null (its bit is ignored); players 1 and 2 are symmetric when n >= 3.
        const auto canon = [&](std::uint64_t m) {
            m &= ~std::uint64_t{1};
            if (n >= 3 && ((m >> 1) & 1) != ((m >> 2) & 1)) m = (m & ~std::uint64_t{6}) | 2;
            return m;
        };
        base[0] = 0.0;
        std::vector<double> v(base.size());
        for (std::uint64_t m = 0; m < v.size(); ++m) v[m] = base[canon(m)];
        const auto phi = shapley_values(n, v);
        REQUIRE(std::accumulate(phi.begin(), phi.end(), 0.0) == Approx(v.back()).margin(1e-9));
        REQUIRE(phi[0] == Approx(0.0).margin(1e-9));
        if (n >= 3) REQUIRE(phi[1] == Approx(phi[2]).margin(1e-9));
        const auto check = shapley_by_orders(n, v);
        for (std::size_t i = 0; i < n; ++i) REQUIRE(phi[i] == Approx(check[i]).margin(1e-9));
    }
    // Twelve players: exact and efficient in 2^12 coalitions.
    std::vector<double> big(std::size_t{1} << 12);
    for (std::uint64_t m = 1; m < big.size(); ++m) big[m] = std::pow(static_cast<double>(std::popcount(m)), 1.5);
    const auto phi = shapley_values(12, big);
    for (double x : phi) REQUIRE(x == Approx(big.back() / 12));
}

TEST_CASE("Shapley rule shares the year's saving by Shapley value", "[allocation]") {
    ledger_sketch k({"A", "B", "C"}, 2);
    k.add("a", "A", {100, 100}, {0, 0});
    k.add("b", "B", {0, 0}, {10, 10});
    k.add("c", "C", {30, 270}, {0, 0});  // savings: 120 in year 0, 360 in year 1
    const std::vector<double> v{0, 0, 0, 90, 0, 80, 70, 120};
    const auto s = settle(k.build(), {shapley("CRN", {"A", "B", "C"}, {v})});
    REQUIRE(dkk(s, s.net, "A", 0) == 45.0);
    REQUIRE(dkk(s, s.net, "B", 0) == 40.0);
    REQUIRE(dkk(s, s.net, "C", 0) == 35.0);
    REQUIRE(dkk(s, s.net, "A", 1) == 135.0);  // scaled: 45 / 120 x 360
}

// ---- rule 8 --------------------------------------------------------------------------------

namespace {
/// Adults invest 3 then 1 mio.; children gain 1, 3, 4 mio. (nets by year, before any rule).
ledger_sketch investors() {
    ledger_sketch k({"adults", "children"}, 3);
    k.add("adults/support", "adults", {10e6, 10e6, 10e6}, {13e6, 11e6, 10e6});
    k.add("children/placement", "children", {20e6, 20e6, 20e6}, {19e6, 17e6, 16e6});
    return k;
}
}  // namespace

TEST_CASE("investor returns on a hand-computed 2-sector, 3-year case", "[allocation]") {
    // Year 0: claim 3; gains before netting 1 -> repay 1: adults -2, children 0 (claim left 2).
    // Year 1: claim 2 + 1 = 3; gains 3 -> repay 3: adults -1 + 3 = 2, children 0 (claim 0).
    // Year 2: nothing to repay; 4 split equally: 2 and 2.
    const auto s = settle(investors().build(), {investor_returns("payback", {"adults", "children"}, share_basis::equal)});
    REQUIRE(dkk(s, s.net, "adults", 0) == -2e6);
    REQUIRE(dkk(s, s.net, "children", 0) == 0.0);
    REQUIRE(dkk(s, s.net, "adults", 1) == 2e6);
    REQUIRE(dkk(s, s.net, "children", 1) == 0.0);
    REQUIRE(dkk(s, s.net, "adults", 2) == 2e6);
    REQUIRE(dkk(s, s.net, "children", 2) == 2e6);
    // With the rest where the gain fell, year 2's 4 mio. stays with children.
    const auto g = settle(investors().build(), {investor_returns("payback", {"adults", "children"}, share_basis::gained)});
    REQUIRE(dkk(g, g.net, "adults", 2) == 0.0);
    REQUIRE(dkk(g, g.net, "children", 2) == 4e6);
}

TEST_CASE("investor claims carry over a year with no gains", "[allocation]") {
    ledger_sketch k({"adults", "children"}, 2);
    k.add("a", "adults", {10, 10}, {13, 10});
    k.add("c", "children", {10, 10}, {11, 4});
    // Year 0: both invest (3 and 1); no gains. Year 1: gains 6 repay claims 3 and 1, rest 2 equal.
    const auto s = settle(k.build(), {investor_returns("payback", {"adults", "children"}, share_basis::equal)});
    REQUIRE(dkk(s, s.net, "adults", 0) == -3.0);
    REQUIRE(dkk(s, s.net, "adults", 1) == 4.0);
    REQUIRE(dkk(s, s.net, "children", 1) == 2.0);
}

// ---- outputs -------------------------------------------------------------------------------

TEST_CASE("present value and break-even year by hand", "[allocation]") {
    const std::vector<ore> flows{-10000, -5000, 8000, 12000};  // DKK -100, -50, 80, 120
    // -100 - 50/1.05 + 80/1.05^2 + 120/1.05^3 = -100 - 47.6190476 + 72.5623583 + 103.6605118
    REQUIRE(present_value(flows, 0.05) == Approx(28.6038225));
    REQUIRE(present_value(flows, 0.0) == Approx(50.0));
    REQUIRE(break_even_year(flows) == std::optional<std::size_t>(3));            // cumulative -100 -150 -70 50
    REQUIRE(break_even_year({1000, -2000, 3000}) == std::optional<std::size_t>(2));  // 10 -10 20
    REQUIRE(break_even_year({0, 0}) == std::optional<std::size_t>(0));
    REQUIRE_FALSE(break_even_year({-1000, 500}).has_value());  // never
    REQUIRE_THROWS_WITH(present_value(flows, -1.0), Catch::Contains("discount rate must be finite and > -1, got -1"));
}

TEST_CASE("present value and break-even year of DKK amounts by hand", "[allocation]") {
    const std::vector<double> flows{-100.0, -50.0, 80.0, 120.0};  // the øre case above, in DKK
    REQUIRE(present_value_dkk(flows, 0.05) == Approx(28.6038225));
    REQUIRE(present_value_dkk(flows, 0.0) == Approx(50.0));
    REQUIRE(break_even_year_dkk(flows) == std::optional<std::size_t>(3));
    REQUIRE(break_even_year_dkk({0.1, -0.2}) == std::nullopt);  // cumulative 0.1, -0.1: never
    REQUIRE(break_even_year_dkk({}) == std::nullopt);
    REQUIRE_THROWS_WITH(present_value_dkk(flows, -2.0), Catch::Contains("discount rate must be finite and > -1, got -2"));
}

TEST_CASE("the incentive table names who invests, who gains and by when", "[allocation]") {
    const auto s = settle(investors().build(), {investor_returns("payback", {"adults", "children"}, share_basis::equal)}, 0.1);
    const auto& adults = s.incentives[0];
    REQUIRE(adults.role == "investor");
    REQUIRE(adults.invested == 400000000);  // 3 + 1 mio.
    REQUIRE(adults.gained == 0);
    REQUIRE_FALSE(adults.break_even_before.has_value());
    REQUIRE(adults.break_even_after == std::optional<std::size_t>(1));  // -2, 0, +2
    REQUIRE(adults.present_value_after == Approx(-2e6 + 2e6 / 1.1 + 2e6 / 1.21));
    const auto& children = s.incentives[1];
    REQUIRE(children.role == "gainer");
    REQUIRE(children.gained == 800000000);
    REQUIRE(s.incentives[2].role == "untouched");
    REQUIRE(s.break_even_total == std::optional<std::size_t>(1));  // total -2, 2, 4
    REQUIRE(s.present_value_total == Approx(-2e6 + 2e6 / 1.1 + 4e6 / 1.21));
}

// ---- conservation --------------------------------------------------------------------------

namespace {

line_years random_ledger(std::mt19937_64& gen, std::size_t sectors, std::size_t years) {
    const std::vector<std::string> all{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
    const std::vector<std::string> names(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(sectors));
    ledger_sketch k(names, years);
    std::uniform_int_distribution<int> pick(0, 99);
    std::uniform_int_distribution<long> cents(0, 100000000);
    const auto amounts = [&] {
        std::vector<double> v(years);
        for (auto& x : v) x = static_cast<double>(cents(gen)) / 100.0;
        return v;
    };
    const std::size_t lines = 3 + static_cast<std::size_t>(pick(gen)) % 12;
    for (std::size_t l = 0; l < lines; ++l) {
        const auto payer = k.budgets[static_cast<std::size_t>(pick(gen)) % k.budgets.size()];
        const char* sources[] = {"intervention/mentor", "intervention/therapy", "adults/S1", "children/placement"};
        auto& line = k.add(sources[pick(gen) % 4], payer, amounts(), amounts());
        line.kind = pick(gen) < 40 ? cost_kind::transfer : cost_kind::service;
        line.group = pick(gen) < 50 ? treatment::solution : treatment::usual;
        line.inside_unit_budget = pick(gen) < 30;
    }
    k.add("intervention/mentor", names[0], {}, amounts()).group = treatment::solution;
    k.add("staff", "solution", {}, amounts());
    return k.build();
}

key random_key(std::mt19937_64& gen, const std::vector<std::string>& budgets) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    key k;
    double sum = 0;
    for (const auto& b : budgets) sum += (k[b] = u(gen) < 0.3 ? 0.0 : u(gen));
    if (sum == 0) k[budgets[0]] = sum = 1;
    for (auto& [b, s] : k) s /= sum;
    return k;
}

rule random_rule(std::mt19937_64& gen, const std::vector<std::string>& sectors, std::size_t years) {
    std::uniform_int_distribution<int> pick(0, 7);
    std::uniform_real_distribution<double> u(0.0, 1e7);
    std::vector<std::string> some(sectors.begin(), sectors.begin() + 1 + pick(gen) % static_cast<int>(sectors.size()));
    const auto basis = static_cast<share_basis>(pick(gen) % 4);
    std::vector<double> schedule(years);
    for (auto& x : schedule) x = std::round(u(gen)) / 100.0;
    switch (pick(gen)) {
        case 0: return pay_where_granted();
        case 1: return fixed_key("key", "mentor", random_key(gen, sectors));
        case 2: return salary_key("salaries", random_key(gen, sectors));
        case 3: {
            unit_funding f;
            if (pick(gen) % 2) f.shares = random_key(gen, some);
            else f.amounts[some[0]] = schedule;
            return own_budget("unit", pick(gen) % 2 ? unit_items::inside : unit_items::salaries, f);
        }
        case 4: {
            std::vector<requirement_part> parts{{schedule, random_key(gen, some), cost_kind::service},
                                                {schedule, random_key(gen, sectors), cost_kind::transfer}};
            return efficiency_requirement("req", parts, pick(gen) % 2 ? shortfall::pooled : shortfall::own);
        }
        case 5: return retrospective("retro", some, basis);
        case 6: {
            std::vector<double> v(std::size_t{1} << some.size());
            for (std::size_t m = 1; m < v.size(); ++m) v[m] = u(gen) - 2e6;
            v.back() = 1e6 + u(gen);
            return shapley("shapley", some, {v});
        }
        default: return investor_returns("investors", some, basis);
    }
}

}  // namespace

TEST_CASE("every rule and random compositions conserve money to the øre", "[allocation]") {
    std::mt19937_64 gen(42);
    for (int round = 0; round < 300; ++round) {
        const std::size_t sectors = 2 + static_cast<std::size_t>(round) % 5;
        const std::size_t years = 1 + static_cast<std::size_t>(round) % 5;
        const auto in = random_ledger(gen, sectors, years);
        const std::vector<std::string> names(in.budgets.begin(), in.budgets.end() - 1);
        std::vector<rule> rules;
        for (int i = 0; i < 1 + round % 4; ++i) rules.push_back(random_rule(gen, names, years));
        const auto s = settle(in, rules, 0.03);
        for (std::size_t y = 0; y < years; ++y) {
            INFO("round " << round << " year " << y);
            const ore before = year_total(s, s.granted_bau, y) - year_total(s, s.granted_solution, y);
            REQUIRE(year_total(s, s.net, y) == before);
            REQUIRE(year_total(s, s.settled, y) == 0);
            REQUIRE(year_total(s, s.gross_solution, y) == year_total(s, s.granted_solution, y));
            REQUIRE(year_total(s, s.gross_bau, y) == year_total(s, s.granted_bau, y));
        }
        // The recorded transfers reproduce the settled money exactly.
        std::vector<ore> settled(s.settled.size(), 0);
        for (const auto& t : s.transfers) {
            REQUIRE(t.amount > 0);
            if (t.cost_shift) continue;
            settled[t.from * years + t.year] -= t.amount;
            settled[t.to * years + t.year] += t.amount;
        }
        REQUIRE(settled == s.settled);
    }
}

// ---- input and errors ----------------------------------------------------------------------

TEST_CASE("yearly_lines sums a replication's months into years", "[allocation]") {
    const auto m = compile(ladder_scenario(30));
    run_options o;
    o.seed = 7;
    o.replications = 2;
    const auto r = run_replications(m, o);
    const auto ly = yearly_lines(m, r, 1);
    REQUIRE(ly.years == 10);  // 120 months
    REQUIRE(ly.budgets.back() == "solution");
    const std::size_t lines = m.lines.size();
    double months_total = 0, years_total = 0;
    for (std::size_t i = 0; i < 2 * lines * 120; ++i) months_total += r.costs[2 * lines * 120 + i];
    for (double x : ly.amounts) years_total += x;
    REQUIRE(years_total == Approx(months_total));
    double first_year = 0;
    for (std::size_t mo = 0; mo < 12; ++mo) first_year += r.costs[2 * lines * 120 + lines * 120 + mo];
    REQUIRE(ly.at(arm::solution, 0, 0) == Approx(first_year));
    REQUIRE_THROWS_WITH(yearly_lines(m, r, 2), Catch::Contains("replication index 2 out of range (2 held)"));
}

TEST_CASE("bad keys, names and ledgers are reported with their place", "[allocation]") {
    REQUIRE_THROWS_WITH(fixed_key("mentor", "mentor", {{"employment", 0.6}, {"adults", 0.2}, {"children", 0.1}}),
                        Catch::Contains("fixed key 'mentor': shares sum to 0.9") && Catch::Contains("must sum to 1"));
    REQUIRE_THROWS_WITH(salary_key("s", {{"adults", -0.5}, {"children", 1.5}}),
                        Catch::Contains("salary key 's': share of 'adults' must be >= 0 and finite, got -0.5"));
    REQUIRE_THROWS_WITH(salary_key("s", {}), Catch::Contains("salary key 's': the key is empty"));
    REQUIRE_THROWS_WITH(equal_split({1}, {"a", "a"}), Catch::Contains("equal_split: sector 'a' listed twice"));
    REQUIRE_THROWS_WITH(retrospective("r", {}, share_basis::equal), Catch::Contains("retrospective 'r': no sectors given"));
    REQUIRE_THROWS_WITH(efficiency_requirement("e", {{{1}, {{"a", 1.0}}, cost_kind::service}}, shortfall::pooled),
                        Catch::Contains("efficiency requirement 'e': pooled settlement needs parts whose cost kinds cover"));
    REQUIRE_THROWS_WITH(efficiency_requirement("e", {{{-1}, {{"a", 1.0}}, {}}}),
                        Catch::Contains("efficiency requirement 'e'.parts[0].per_year[0]: must be >= 0, got -1"));
    unit_funding both;
    both.shares = {{"a", 1.0}};
    both.amounts = {{"a", {1.0}}};
    REQUIRE_THROWS_WITH(own_budget("u", unit_items::inside, both),
                        Catch::Contains("own budget 'u': give funding shares or funding amounts, not both"));
    REQUIRE_THROWS_WITH(shapley("g", {"a", "b"}, {{0, 1, 2}}),
                        Catch::Contains("shapley 'g'.tables[0]: shapley_values: 3 coalition values, expected 2^2 = 4"));
    REQUIRE_THROWS_WITH(shapley_values(2, {5, 1, 2, 3}), Catch::Contains("v(empty coalition) must be 0, got 5"));
    REQUIRE_THROWS_WITH(shapley_values(21, std::vector<double>{}), Catch::Contains("players must be 1 to 20, got 21"));

    const auto in = albertslund().build();
    REQUIRE_THROWS_WITH(settle(in, {fixed_key("mentor", "mentor", {{"BA", 0.5}, {"sport", 0.5}})}),
                        Catch::Contains("fixed key 'mentor': unknown budget 'sport' (budgets: BA, SF, SPO, solution)"));
    REQUIRE_THROWS_WITH(settle(in, {retrospective("r", {"BA", "XX"}, share_basis::equal)}),
                        Catch::Contains("retrospective 'r': unknown budget 'XX'"));
    REQUIRE_THROWS_WITH(settle(albertslund().build(), {fixed_key("k", "mentor", {{"BA", 1.0}})}),
                        Catch::Contains("fixed key 'k': no ledger line has source 'intervention/mentor' in the solution group"));
    REQUIRE_THROWS_WITH(settle(in, {salary_key("s", {{"BA", 1.0}})}),
                        Catch::Contains("salary key 's': the ledger has no staff line"));
    REQUIRE_THROWS_WITH(settle(in, {efficiency_requirement("e", {equal_split({1, 2}, {"BA"})})}),
                        Catch::Contains("efficiency requirement 'e'.parts[0].per_year: 2 years given, the ledger has 1"));
    REQUIRE_THROWS_WITH(settle(in, {shapley("g", {"BA", "SF"}, {{0, 1, 1, 1}, {0, 1, 1, 1}})}),
                        Catch::Contains("shapley 'g': 2 coalition tables for 1 years"));
    REQUIRE_THROWS_WITH(settle(in, {shapley("g", {"BA", "SF"}, {{0, 1, 1, 0}})}),
                        Catch::Contains("shapley 'g': v(grand coalition) is 0 in year 0"));
    REQUIRE_THROWS_WITH(settle(in, {rule{"empty", "custom", {}}}), Catch::Contains("rules[0] 'empty': has no apply function"));
    REQUIRE_THROWS_WITH(settle(in, {}, -1.5), Catch::Contains("settle: discount rate must be finite and > -1, got -1.5"));

    auto bad = in;
    bad.budgets.back() = "unit";
    REQUIRE_THROWS_WITH(book(bad), Catch::Contains("line_years.budgets: the last budget must be \"solution\", got 'unit'"));
    bad = in;
    bad.amounts.pop_back();
    REQUIRE_THROWS_WITH(book(bad), Catch::Contains("line_years.amounts: expected 6 values (2 arms x 3 lines x 1 years), got 5"));
    bad = in;
    bad.lines[2].payer = 9;
    REQUIRE_THROWS_WITH(book(bad), Catch::Contains("line_years.lines[2].payer: budget index 9 out of range (4 budgets)"));
    bad = in;
    bad.at(arm::solution, 1, 0) = std::nan("");
    REQUIRE_THROWS_WITH(book(bad), Catch::Contains("line_years.amounts[solution][1][0]: must be finite"));
}
