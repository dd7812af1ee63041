// The analytic mode against hand-computed expectations and against the simulation's means.
#include <catch2/catch.hpp>

#include "builders.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <fmt/format.h>
#include <functional>

#include "tvaer/analytic.hpp"
#include "tvaer/error.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/replications.hpp"

using namespace tvaer;

namespace {

using tvaer::test::cost;
using tvaer::test::requested_on;
using tvaer::test::to;

// Two sectors, every family selected into the solution at t = 0 (min_sectors 0, no cap, no stay),
// so the simulation's solution arm treats every family the way the analytic mode assumes.
scenario base(double months, std::uint32_t families) {
    scenario sc;
    sc.horizon_months = months;
    sc.families = families;
    sc.sectors = {"a", "b"};
    sc.select.min_sectors = 0;
    return sc;
}

track make_track(const char* name, std::vector<state> states, std::vector<double> initial, std::vector<double> members) {
    track t;
    t.name = name;
    t.states = std::move(states);
    t.initial = std::move(initial);
    t.members = std::move(members);
    return t;
}

// The 2-state model with exit and return.
track two_states() {
    return make_track("adult",
                      {state{"in", {to("out", 0.2)}, std::nullopt, {cost("a", 1000.0)}},
                       state{"out", {to("in", 0.05)}, std::nullopt, {cost("b", 200.0)}}},
                      {0.7, 0.3}, {0.0, 1.0});
}

// A 4-state ladder with exit and return.
track four_states(const char* name, std::vector<double> members) {
    return make_track(name,
                      {state{"S1", {to("S2", 0.10)}, std::nullopt, {cost("a", 5000.0), cost("b", 800.0)}},
                       state{"S2", {to("S1", 0.05), to("S3", 0.15)}, std::nullopt, {cost("a", 3000.0)}},
                       state{"S3", {to("S2", 0.05), to("EXIT", 0.10)}, std::nullopt, {cost("b", 1500.0)}},
                       state{"EXIT", {to("S3", 0.02)}, std::nullopt, {}}},
                      {0.5, 0.3, 0.2, 0.0}, std::move(members));
}

intervention mentor(const char* track_name) {
    intervention iv = requested_on("mentor", track_name, "S2", sojourn::exponential(0.25),
                                    {cost("a", 3000.0, 1500.0)}, {effect{track_name, "S2", "S3", 2.5}});
    iv.ends_on_entry = {"S1"};
    return iv;
}

struct sample_stats {
    double mean = 0.0;
    double se = 0.0;
};

sample_stats stats(const std::vector<double>& x) {
    const auto n = static_cast<double>(x.size());
    double sum = 0.0, sq = 0.0;
    for (double v : x) sum += v;
    const double mean = sum / n;
    for (double v : x) sq += (v - mean) * (v - mean);
    return {mean, std::sqrt(sq / (n - 1.0) / n)};
}

// One compared cell: its per-replication mean and standard error against the analytic value.
struct cell_check {
    sample_stats sim;
    double expected;
    std::string what;
};

cell_check check_of(const std::function<double(std::uint32_t)>& cell, std::uint32_t reps, double expected,
                    std::string what) {
    std::vector<double> x(reps);
    for (std::uint32_t r = 0; r < reps; ++r) x[r] = cell(r);
    return {stats(x), expected, std::move(what)};
}

// Every cell must lie within a simultaneous 99.9 % band: mean +- z SE with z from Bonferroni's
// bound for the number of cells (z = 4.3 for 60 cells), so one comparison raises a false alarm
// at most once in 1,000 seeds, however many cells it has; or to rounding when the simulated value
// does not vary. (Per cell at 3.29 SE, the ~900 cells of this file would raise one false alarm
// per seed on average.)
void check_cells(const std::vector<cell_check>& cells) {
    const double z = boost::math::quantile(boost::math::normal(), 1.0 - 0.001 / (2.0 * static_cast<double>(cells.size())));
    for (const auto& c : cells) {
        INFO(c.what << ": simulated " << c.sim.mean << " +- " << c.sim.se << " (SE), analytic " << c.expected << ", band "
                    << z << " SE for " << cells.size() << " cells");
        CHECK(std::abs(c.sim.mean - c.expected) <= z * c.sim.se + 1e-9 * (1.0 + std::abs(c.expected)));
    }
}

// Compares, for every line and occupancy row, months 0, the middle and the last, and the sum over
// the horizon; a cell with analytic value 0 must be exactly 0 in the simulation too.
void require_agreement(const model& m, arm a, std::uint32_t reps) {
    const auto g = a == arm::bau ? treatment::usual : treatment::solution;
    const auto ev = expected(m, g);
    const results res = run_replications(m, run_options{7, 0, reps, 2, {}});
    REQUIRE(res.replications == reps);
    const std::size_t months = m.months;
    const std::size_t lines = m.lines.size(), rows = m.occupancy_rows.size();
    const auto ai = static_cast<std::size_t>(a);
    const std::vector<std::size_t> checked = {0, months / 2, months - 1};
    std::vector<cell_check> cells;
    auto compare = [&](const std::vector<double>& data, std::size_t width, const Eigen::MatrixXd& want,
                       std::size_t row, const std::string& name) {
        auto at = [&](std::uint32_t r, std::size_t mo) { return data[((r * 2 + ai) * width + row) * months + mo]; };
        for (std::size_t mo : checked) {
            cells.push_back(check_of([&](std::uint32_t r) { return at(r, mo); }, reps, want(row, mo),
                                     fmt::format("{} month {}", name, mo)));
        }
        auto total = [&](std::uint32_t r) {
            double sum = 0.0;
            for (std::size_t mo = 0; mo < months; ++mo) sum += at(r, mo);
            return sum;
        };
        cells.push_back(check_of(total, reps, want.row(row).sum(), name + " total"));
    };
    for (std::size_t l = 0; l < lines; ++l) compare(res.costs, lines, ev.costs, l, fmt::format("line {} ({})", l, ev.line_sources[l]));
    for (std::size_t o = 0; o < rows; ++o) compare(res.occupancy, rows, ev.occupancy, o, "row " + ev.occupancy_rows[o]);
    check_cells(cells);
}

}  // namespace

TEST_CASE("analytic: a single absorbing exponential transition matches the closed form", "[analytic]") {
    const double lambda = 0.3;
    auto sc = base(12, 10);
    sc.tracks = {make_track("adult",
                            {state{"A", {to("B", lambda)}, std::nullopt, {cost("a", 100.0)}},
                             state{"B", {}, std::nullopt, {cost("b", 0.0, 50.0)}}},
                            {1.0, 0.0}, {0.0, 1.0})};
    const auto m = compile(sc);
    const auto ev = expected(m, treatment::usual);
    REQUIRE(ev.costs_per_family.rows() == 4);  // lines: (A, usual), (A, solution), (B, usual), (B, solution)
    for (int mo = 0; mo < 12; ++mo) {
        const double in_a = (std::exp(-lambda * mo) - std::exp(-lambda * (mo + 1))) / lambda;
        const double leaving = std::exp(-lambda * mo) - std::exp(-lambda * (mo + 1));
        CHECK(ev.occupancy_per_family(0, mo) == Approx(in_a).epsilon(1e-10));
        CHECK(ev.occupancy_per_family(1, mo) == Approx(1.0 - in_a).epsilon(1e-10));
        CHECK(ev.costs_per_family(0, mo) == Approx(100.0 * in_a).epsilon(1e-10));
        CHECK(ev.costs_per_family(2, mo) == Approx(50.0 * leaving).epsilon(1e-10));
        CHECK(ev.costs(0, mo) == Approx(10 * 100.0 * in_a).epsilon(1e-10));
        CHECK(ev.costs_per_family(1, mo) == 0.0);  // the solution's lines stay empty
        CHECK(ev.costs_per_family(3, mo) == 0.0);
        CHECK(ev.occupancy_per_family(2, mo) == 0.0);  // solution/families
    }
}

TEST_CASE("analytic: an intervention's rate change matches the two-phase closed form", "[analytic]") {
    // A -> B at rate l, times k while a mentor (ending at rate u) is active; the mentor starts at
    // t = 0. P(A, active) = e^{-(lk+u)t}; P(A, ended) = u/(lk+u-l) (e^{-lt} - e^{-(lk+u)t}).
    const double l = 0.2, k = 3.0, u = 0.5;
    auto sc = base(10, 1);
    sc.tracks = {make_track("adult", {state{"A", {to("B", l)}, std::nullopt, {}}, state{"B", {}, std::nullopt, {}}},
                            {1.0, 0.0}, {0.0, 1.0})};
    intervention iv = requested_on("mentor", "adult", "A", sojourn::exponential(u),
                                    {cost("a", 700.0, 90.0)}, {effect{"adult", "A", "B", k}});
    sc.interventions = {iv};
    const auto ev = expected(compile(sc), treatment::usual);
    const double r = l * k + u;
    auto integral = [](double rate, int mo) { return (std::exp(-rate * mo) - std::exp(-rate * (mo + 1))) / rate; };
    for (int mo = 0; mo < 10; ++mo) {
        const double active = integral(r, mo);
        const double in_a = active + u / (r - l) * (integral(l, mo) - integral(r, mo));
        CHECK(ev.occupancy_per_family(0, mo) == Approx(in_a).epsilon(1e-9));
        const double lump = mo == 0 ? 90.0 : 0.0;  // the only start is at t = 0
        // the mentor does not end on entering B: it is paid until its own end
        CHECK(ev.costs_per_family(0, mo) == Approx(700.0 * integral(u, mo) + lump).epsilon(1e-9));
    }
}

TEST_CASE("analytic: expected members per family scale a track", "[analytic]") {
    auto sc = base(6, 3);
    auto t = two_states();
    t.members = {0.2, 0.3, 0.5};  // mean 1.3
    sc.tracks = {t};
    const auto once = expected(compile(sc), treatment::usual);
    sc.tracks[0].members = {0.0, 1.0};
    const auto single = expected(compile(sc), treatment::usual);
    for (int mo = 0; mo < 6; ++mo) {
        CHECK(once.costs_per_family(0, mo) == Approx(1.3 * single.costs_per_family(0, mo)).epsilon(1e-12));
        CHECK(once.costs(0, mo) == Approx(3 * 1.3 * single.costs_per_family(0, mo)).epsilon(1e-12));
        // occupancy of both states adds up to the expected number of members
        CHECK(once.occupancy_per_family.col(mo).head(2).sum() == Approx(1.3 * 1.0).epsilon(1e-12));
    }
}

TEST_CASE("analytic: the solution's staff is a fixed monthly cost", "[analytic]") {
    auto sc = base(24, 40);
    sc.tracks = {two_states()};
    sc.org.staff_fte = 2.0;
    sc.org.salary_per_fte_year = 600000.0;
    sc.org.salary_key = {{"a", 1.0}};
    const auto m = compile(sc);
    const auto sol = expected(m, treatment::solution);
    const auto usual = expected(m, treatment::usual);
    for (int mo = 0; mo < 24; ++mo) {
        CHECK(sol.costs(m.staff_line, mo) == Approx(100000.0));
        CHECK(usual.costs(m.staff_line, mo) == 0.0);
        CHECK(sol.occupancy(m.solution_families_row, mo) == Approx(40.0));
    }
}

TEST_CASE("analytic: staff by year cost each year's staff in its months", "[analytic]") {
    auto sc = base(30, 40);
    sc.tracks = {two_states()};
    sc.org.staff_fte_by_year = {1.0, 3.0};  // the last value holds in year 3
    sc.org.salary_per_fte_year = 600000.0;
    sc.org.salary_key = {{"a", 1.0}};
    const auto m = compile(sc);
    const auto sol = expected(m, treatment::solution);
    for (int mo = 0; mo < 30; ++mo) {
        INFO(mo);
        CHECK(sol.costs(m.staff_line, mo) == Approx(mo < 12 ? 50000.0 : 150000.0));  // 600,000 / 12 per FTE
    }
}

TEST_CASE("analytic: a coordination meeting costs its rate per family and month in the solution", "[analytic]") {
    auto sc = base(12, 40);
    sc.tracks = {two_states()};
    // 2 staff x 1.5 h every 3 months at 500 kr/h = 500 kr per family-month; at 600,000 kr/year
    // and 1,924 h: 1 x 3 h / 1 month x 311.85 kr/h = 935.55 kr.
    sc.org.coordination = {coordination_meeting{"meeting", 2.0, 1.5, 3.0, "b", 500.0},
                           coordination_meeting{"coordinator", 1.0, 3.0, 1.0, "a", std::nullopt}};
    sc.org.salary_per_fte_year = 600000.0;
    const auto m = compile(sc);
    const auto sol = expected(m, treatment::solution);
    const auto usual = expected(m, treatment::usual);
    for (int mo = 0; mo < 12; ++mo) {
        CHECK(sol.costs(m.coordination[0].line, mo) == Approx(40 * 500.0).epsilon(1e-12));
        CHECK(sol.costs(m.coordination[1].line, mo) == Approx(40 * 3 * 600000.0 / 1924.0).epsilon(1e-12));
        CHECK(usual.costs(m.coordination[0].line, mo) == 0.0);
    }
}

TEST_CASE("analytic: unsupported models are named", "[analytic]") {
    auto sc = base(12, 10);
    sc.tracks = {four_states("adult", {0.0, 1.0}), four_states("child", {0.0, 1.0})};
    sc.interventions = {mentor("adult")};
    SECTION("a state with a duration") {
        sc.tracks[0].states[2].duration = sojourn::weibull(1.5, 4.0);
        sc.tracks[0].states[2].transitions = {transition{"EXIT", 0.0, 1.0}};
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("analytic mode: tracks[0].states[2] has a non-exponential duration"));
    }
    SECTION("a capacity") {
        sc.interventions[0].capacity = 5;
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("analytic mode: interventions[0] ('mentor') has capacity 5"));
    }
    SECTION("a fixed intervention duration") {
        sc.interventions[0].duration = sojourn::fixed(6.0);
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("interventions[0] ('mentor') has a non-exponential duration"));
    }
    SECTION("a decision delay for the treatment asked for") {
        sc.interventions[0].decision_delay_solution = sojourn::exponential(1.0);
        REQUIRE_NOTHROW(expected(compile(sc), treatment::usual));
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::solution),
                            Catch::Contains("interventions[0] ('mentor') has a decision delay for this treatment"));
    }
    SECTION("an effect on another track") {
        sc.interventions[0].effects.push_back(effect{"child", "S2", "S3", 2.0});
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("interventions[0] ('mentor').effects[1] acts on track 'child', not on the "
                                            "intervention's own track 'adult'"));
    }
    SECTION("an open population or a tabled one") {
        sc.people.leave_rate = 0.01;
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("analytic mode: population.leave_rate is set; families cannot leave"));
        sc.people.leave_rate = 0.0;
        sc.people.arrivals_per_month = 2.0;
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("analytic mode: population has arrivals; only a closed population"));
        sc.people.arrivals_per_month = 0.0;
        sc.people.table = {member_row{0, "adult", "S1", ""}};
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual),
                            Catch::Contains("analytic mode: population.table is set"));
    }
    SECTION("network meetings and ceilings delay the solution's decisions") {
        sc.org.meeting_every = 3.0;
        REQUIRE_NOTHROW(expected(compile(sc), treatment::usual));
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::solution),
                            Catch::Contains("analytic mode: organisation.meeting_every is set"));
        sc.org.meeting_every = 0.0;
        sc.org.ceiling = 25000.0;
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::solution),
                            Catch::Contains("analytic mode: organisation.ceiling is set"));
    }
    SECTION("too many extended states") {
        REQUIRE_THROWS_WITH(expected(compile(sc), treatment::usual, 5),
                            Catch::Contains("analytic mode: tracks[0] needs more than 5 extended states"));
    }
}

TEST_CASE("analytic agrees with simulation: 2-state model with exit and return", "[analytic]") {
    auto sc = base(24, 500);
    sc.tracks = {two_states()};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: 4-state ladder with exit and return", "[analytic]") {
    auto sc = base(36, 500);
    sc.tracks = {four_states("adult", {0.0, 1.0})};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: two tracks with different member counts", "[analytic]") {
    auto sc = base(24, 400);
    auto child = four_states("child", {0.3, 0.2, 0.3, 0.2});
    child.benefits = {"x", "y"};
    child.benefit_shares = {0.25, 0.75};
    child.states[0].costs.push_back(cost("b", 2000.0));
    child.states[0].costs.back().benefit = "y";
    sc.tracks = {four_states("adult", {0.1, 0.6, 0.3}), child};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: an unlimited intervention changes a rate", "[analytic]") {
    auto sc = base(24, 500);
    sc.tracks = {four_states("adult", {0.2, 0.8})};
    sc.interventions = {mentor("adult")};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: the solution arm with its own intervention, effects and staff",
          "[analytic]") {
    auto sc = base(24, 500);
    sc.tracks = {four_states("adult", {0.0, 1.0})};
    sc.interventions = {mentor("adult")};
    sc.interventions[0].available = availability::solution;
    sc.interventions[0].pays = authority::shared;
    sc.interventions[0].payment_key = {{"a", 0.4}, {"b", 0.6}};
    sc.org.effects = {effect{"adult", "S1", "S2", 1.5}};
    sc.org.staff_fte = 1.5;
    sc.org.salary_key = {{"b", 1.0}};
    const auto m = compile(sc);
    require_agreement(m, arm::solution, 200);
    require_agreement(m, arm::bau, 200);  // not available as usual: no mentor lines at all
}

TEST_CASE("analytic agrees with simulation: one-off costs on entry and on start", "[analytic]") {
    auto sc = base(24, 500);
    auto t = four_states("adult", {0.0, 1.0});
    t.states[3].costs = {cost("a", 0.0, 20000.0)};  // entering EXIT
    t.states[1].costs.push_back(cost("b", 0.0, 4000.0));  // entering S2, also at t = 0
    sc.tracks = {t};
    sc.interventions = {mentor("adult")};
    sc.interventions[0].ends_on_entry = {"S1", "S2"};  // re-entering S2 restarts it (a new one-off)
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: no new request while already active", "[analytic]") {
    // Members flip between A and B every month or so while the help lasts 10 months on average:
    // most entries to A find it still active and must not start (nor pay) it again.
    auto sc = base(24, 500);
    sc.tracks = {make_track("adult",
                            {state{"A", {to("B", 1.0)}, std::nullopt, {cost("a", 100.0)}},
                             state{"B", {to("A", 1.0)}, std::nullopt, {}}},
                            {0.5, 0.5}, {0.0, 1.0})};
    intervention iv = requested_on("help", "adult", "A", sojourn::exponential(0.1),
                                    {cost("b", 500.0, 10000.0)}, {effect{"adult", "B", "A", 0.5}});
    sc.interventions = {iv};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: state one-offs at t = 0 in the solution arm", "[analytic]") {
    // Families selected at t = 0 are inside the solution from the start, so their initial state's
    // one-off belongs on the solution lines; the simulation books it before selection.
    auto sc = base(12, 300);
    auto t = two_states();
    t.states[0].costs.push_back(cost("a", 0.0, 10000.0));
    sc.tracks = {t};
    require_agreement(compile(sc), arm::solution, 200);
}

TEST_CASE("analytic agrees with simulation: families with more than 16 members on a track", "[analytic]") {
    // Every family has 20 members; each member's own help multiplies its A -> B rate by 5, so
    // every member's clock must be rescaled when its help starts and ends.
    auto sc = base(12, 100);
    std::vector<double> twenty(21, 0.0);
    twenty[20] = 1.0;
    sc.tracks = {make_track("adult",
                            {state{"A", {to("B", 0.1)}, std::nullopt, {cost("a", 100.0)}},
                             state{"B", {to("A", 0.1)}, std::nullopt, {}}},
                            {1.0, 0.0}, twenty)};
    intervention iv;
    iv.name = "help";
    iv.track = "adult";
    iv.request_on_entry = {"A"};
    iv.duration = sojourn::exponential(0.3);
    iv.effects = {effect{"adult", "A", "B", 5.0}};
    sc.interventions = {iv};
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: the ladder reference model without capacity", "[analytic]") {
    auto sc = ladder_scenario(400);
    sc.interventions[0].capacity = 0;
    require_agreement(compile(sc), arm::bau, 200);
}

TEST_CASE("analytic agrees with simulation: slow clocks beyond 16 horizons that an intervention speeds up",
          "[analytic]") {
    // A -> B at 0.002 a month: over a 6-month horizon most pending clocks lie beyond 16 horizons
    // (96 months), where the engine keeps their exact time off the grid (calendar.hpp). A mentor
    // started at t = 0 multiplies the rate by 200 while it runs and ends at 0.5 a month, so the
    // clocks move into the horizon and, when the mentor ends, back out of it.
    auto sc = base(6, 500);
    sc.tracks = {make_track("adult",
                            {state{"A", {to("B", 0.002)}, std::nullopt, {cost("a", 1000.0)}},
                             state{"B", {to("A", 0.001)}, std::nullopt, {cost("b", 300.0)}}},
                            {1.0, 0.0}, {0.0, 1.0})};
    intervention iv = requested_on("mentor", "adult", "A", sojourn::exponential(0.5),
                                    {cost("a", 700.0)}, {effect{"adult", "A", "B", 200.0}});
    sc.interventions = {iv};
    require_agreement(compile(sc), arm::bau, 200);
}
