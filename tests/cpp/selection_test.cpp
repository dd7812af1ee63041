// Ranking the waiting list (simulation_selection.cpp): the complexity weights of states in the
// complexity score, several rank keys in turn, walked by hand and checked against a closed form;
// their checks and the analytic mode's refusal.
#include <catch2/catch.hpp>
#include <cmath>

#include "builders.hpp"
#include "tvaer/analytic.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"

using namespace tvaer;
using namespace tvaer::test;

namespace {

std::vector<std::int32_t> admitted(const model& m, std::uint32_t replication = 0) {
    return simulate_arm(m, 7, replication, arm::solution, {.family_costs = true}).family_admitted;
}

// Families of one adult (an employment case of its own cost, in a state of its own) and children
// in the states "light" (complexity 1), "foster" (3) and "institution" (4), which cost nothing,
// so the score's other parts are the same for every family (1 sector, 1 service).
scenario weighted_families(const std::vector<std::pair<double, std::vector<const char*>>>& families) {
    scenario sc;
    sc.horizon_months = 12.0;
    sc.sectors = {"employment", "children"};
    track child;
    child.name = "child";
    child.members = {1.0};
    child.initial = {1.0, 0.0, 0.0};
    child.states = {state{"light", {}, std::nullopt, {}}, state{"foster", {}, std::nullopt, {}},
                    state{"institution", {}, std::nullopt, {}}};
    child.states[0].complexity = 1.0;
    child.states[1].complexity = 3.0;
    child.states[2].complexity = 4.0;
    std::vector<double> employment;
    for (const auto& f : families) employment.push_back(f.first);
    const track adult = adults_of(sc, employment, [&](std::uint32_t f) {
        for (const char* s : families[f].second) sc.people.table.push_back(member_row{f, "child", s, ""});
    });
    sc.tracks = {adult, child};
    sc.select.min_sectors = 1;
    sc.select.capacity = 3;
    return sc;
}

// Families whose adult is in "slow" or "fast" (an employment case left at 0.1 or 0.3 a month for
// "out"; the time already spent there at the start is exponential with that rate, the backward
// recurrence time of a steady Markov chain), with the member rows `people`; `places` places.
scenario slow_and_fast(std::uint32_t families, std::vector<member_row> people, std::uint32_t places) {
    scenario sc;
    sc.horizon_months = 1.0;
    sc.families = families;
    sc.sectors = {"employment"};
    track adult;
    adult.name = "adult";
    adult.members = {0.0, 1.0};
    adult.initial = {1.0, 0.0, 0.0};
    adult.states = {state{"slow", {to("out", 0.1)}, std::nullopt, {cost("employment", 1000.0)}},
                    state{"fast", {to("out", 0.3)}, std::nullopt, {cost("employment", 1000.0)}},
                    state{"out", {}, std::nullopt, {}}};
    sc.tracks = {adult};
    sc.people.table = std::move(people);
    sc.select.min_sectors = 1;
    sc.select.capacity = places;
    return sc;
}

// Per family, the share of `n` replications in which it was admitted at the start.
std::vector<double> admitted_shares(const scenario& sc, int n) {
    const model m = compile(sc);
    std::vector<int> in(sc.families, 0);
    for (int rep = 0; rep < n; ++rep) {
        const auto a = admitted(m, static_cast<std::uint32_t>(rep));
        for (std::size_t f = 0; f < in.size(); ++f) in[f] += a[f] == 0;
    }
    std::vector<double> shares;
    for (const int k : in) shares.push_back(static_cast<double>(k) / n);
    return shares;
}

// Four standard errors of a share p estimated from n replications.
double four_se(double p, int n) { return 4.0 * std::sqrt(p * (1.0 - p) / n); }

// F0 10k (light), F1 20k (foster), F2 30k (light, light), F3 5k (institution), F4 25k (foster),
// F5 1k (light, foster): complexity 1, 3, 2, 4, 3, 4.
scenario six_families() {
    return weighted_families({{10e3, {"light"}}, {20e3, {"foster"}}, {30e3, {"light", "light"}}, {5e3, {"institution"}},
                              {25e3, {"foster"}}, {1e3, {"light", "foster"}}});
}

}  // namespace

TEST_CASE("ranked by complexity then cost, the most complex go first and the dearer of equals", "[selection]") {
    // rank = ["score", "cost"], 3 places. Score 4: F3 (5k), F5 (1k); score 3: F4 (25k), F1 (20k);
    // then F2 (2), F0 (1). The list is F3, F5, F4, F1, F2, F0: F3, F5 and F4 are admitted.
    // In every replication: the random draws order only what both keys leave equal (nothing here).
    const auto in_every_replication = [](const scenario& sc, const std::vector<std::int32_t>& want) {
        const model m = compile(sc);
        for (std::uint32_t rep = 0; rep < 20; ++rep) REQUIRE(admitted(m, rep) == want);
    };
    scenario sc = six_families();
    sc.select.score_per_sector = 0.0;
    sc.select.score_per_service = 0.0;
    sc.select.rank = {selection_rank::score, selection_rank::cost};
    in_every_replication(sc, {-1, -1, -1, 0, 0, 0});
    // The score's other parts add the same to every family here: the same order.
    sc.select.score_per_sector = 1.0;
    sc.select.score_per_service = 1.0;
    in_every_replication(sc, {-1, -1, -1, 0, 0, 0});
    // Cost first: F2 30k, F4 25k, F1 20k; no two families cost the same, so the score is never read.
    sc.select.rank = {selection_rank::cost, selection_rank::score};
    in_every_replication(sc, {-1, 0, 0, -1, 0, -1});
}

TEST_CASE("ranked by complexity alone, equally complex families are admitted in random order", "[selection]") {
    // rank = "score", 3 places: F3 and F5 (4) always; the third place goes to F1 or F4 (3 each),
    // by the random tie-break, each about half the time.
    scenario sc = six_families();
    sc.select.rank = {selection_rank::score};
    const model m = compile(sc);
    const int n = 400;
    int f1 = 0;
    for (int rep = 0; rep < n; ++rep) {
        const auto a = admitted(m, static_cast<std::uint32_t>(rep));
        REQUIRE(a[3] == 0);
        REQUIRE(a[5] == 0);
        REQUIRE((a[1] == 0) != (a[4] == 0));
        REQUIRE(a[0] == -1);
        REQUIRE(a[2] == -1);
        f1 += a[1] == 0;
    }
    CHECK(std::abs(f1 / static_cast<double>(n) - 0.5) < 4.0 * std::sqrt(0.25 / n));
}

TEST_CASE("ranked by duration, the family whose case has lasted longer goes first", "[selection]") {
    // One place: the slow family (λ = 0.1) is admitted when its time exceeds the fast one's
    // (λ = 0.3), with probability 0.3 / (0.1 + 0.3) = 0.75.
    scenario sc = slow_and_fast(2, {{0, "adult", "slow", ""}, {1, "adult", "fast", ""}}, 1);
    sc.select.rank = {selection_rank::duration};
    const int n = 4000;
    CHECK(std::abs(admitted_shares(sc, n)[0] - 0.75) < four_se(0.75, n));
}

TEST_CASE("ranked by complexity then duration: duration orders only the equally complex", "[selection]") {
    // Three families of an adult and a child: F0 fast with a foster child (complexity 3), F1 slow
    // and F2 fast with a light child (1). Two places.
    // rank = ["score", "duration"]: F0 always; F1 before F2 with probability 0.3 / (0.1 + 0.3) = 3/4.
    // rank = ["duration", "score"]: F0 is left out when its time is the shortest of three
    // exponentials, with probability 0.3 / (0.3 + 0.1 + 0.3) = 3/7, so admitted with 4/7.
    scenario sc = slow_and_fast(3, {{0, "adult", "fast", ""}, {0, "child", "foster", ""}, {1, "adult", "slow", ""},
                                    {1, "child", "light", ""}, {2, "adult", "fast", ""}, {2, "child", "light", ""}}, 2);
    track child;
    child.name = "child";
    child.members = {1.0};
    child.initial = {1.0, 0.0};
    child.states = {state{"light", {}, std::nullopt, {}}, state{"foster", {}, std::nullopt, {}}};
    child.states[0].complexity = 1.0;
    child.states[1].complexity = 3.0;
    sc.tracks.push_back(child);
    const int n = 4000;
    sc.select.rank = {selection_rank::score, selection_rank::duration};
    const auto lex = admitted_shares(sc, n);
    CHECK(lex[0] == 1.0);
    CHECK(std::abs(lex[1] - 0.75) < four_se(0.75, n));
    CHECK(lex[1] + lex[2] == Approx(1.0));
    sc.select.rank = {selection_rank::duration, selection_rank::score};
    CHECK(std::abs(admitted_shares(sc, n)[0] - 4.0 / 7.0) < four_se(4.0 / 7.0, n));
}

TEST_CASE("with recheck, a waiting family no longer eligible when a place frees leaves the list then, however far back it waits",
          "[selection]") {
    // One place, 3 months a stay, a case cap that never binds (so the rules' path admits), an
    // employment case required. Ranked by cost at t = 0: F0 50k (in at 0), F1 40k, F2 30k; F3 is
    // not eligible yet. F2's adult has no case from month 2 to 4; F3's gets one at month 3.5.
    // Month 3: F0 leaves, F1 takes the place; F2, behind it, is not eligible at that moment and
    // leaves the list (although the place went to F1 before F2's turn). Month 3.5: F3 joins the
    // list; month 4: F2 is eligible again and joins behind F3. Month 6: F1 leaves, F3 goes in;
    // month 9: F2. (Had F2 kept its place, it would have gone in at 6 and F3 at 9.)
    scenario sc = empty_scenario(12.0, 4, {"employment", "children"});
    sc.tracks = {tabled_track("adult", {state{"case50", {}, std::nullopt, {cost("employment", 50e3)}},
                                        state{"case40", {}, std::nullopt, {cost("employment", 40e3)}},
                                        state{"case30", {transition{"off", 0.0, 1.0}}, sojourn::fixed(2.0), {cost("employment", 30e3)}},
                                        state{"off", {transition{"back", 0.0, 1.0}}, sojourn::fixed(2.0), {}},
                                        state{"back", {}, std::nullopt, {cost("employment", 30e3)}},
                                        state{"before", {transition{"late", 0.0, 1.0}}, sojourn::fixed(3.5), {}},
                                        state{"late", {}, std::nullopt, {cost("employment", 20e3)}}}),
                 tabled_track("child", {state{"measure", {}, std::nullopt, {cost("children", 100.0)}}})};
    const char* adults[] = {"case50", "case40", "case30", "before"};
    for (std::uint32_t f = 0; f < 4; ++f) {
        sc.people.table.push_back(member_row{f, "adult", adults[f], ""});
        sc.people.table.push_back(member_row{f, "child", "measure", ""});
    }
    sc.select.min_sectors = 1;
    sc.select.require_sectors = {"employment"};
    sc.select.rank = {selection_rank::cost};
    sc.select.capacity = 1;
    sc.select.stay = sojourn::fixed(3.0);
    sc.select.recheck = true;
    sc.select.case_capacity = {{"children", 10.0}};
    CHECK(admitted(compile(sc)) == std::vector<std::int32_t>{0, 3, 9, 6});
    // The same without the cap (the plain path, which reads the list only as far as it admits):
    // F2 is still on the list at month 4, so it is not considered again, and goes in at 6.
    sc.select.case_capacity.clear();
    CHECK(admitted(compile(sc)) == std::vector<std::int32_t>{0, 3, 6, 9});
}

TEST_CASE("a bad rank or complexity weight is named by its key path", "[selection][scenario]") {
    scenario sc = six_families();
    REQUIRE_NOTHROW(sc.validate());
    scenario s = sc;
    s.select.rank = {};
    REQUIRE_THROWS_WITH(s.validate(), "selection.rank: must name at least one order (score, cost or duration), got an empty list");
    s.select.rank = {selection_rank::score, selection_rank::duration, selection_rank::score};
    REQUIRE_THROWS_WITH(s.validate(), "selection.rank[2]: 'score' is already in the list");
    s = sc;
    s.tracks[1].states[1].complexity = -1.0;
    REQUIRE_THROWS_WITH(s.validate(), "tracks.child.states.foster.complexity: must be a weight >= 0 and finite, got -1");
    s.tracks[1].states[1].complexity = std::nan("");
    REQUIRE_THROWS_WITH(s.validate(), "tracks.child.states.foster.complexity: must be a weight >= 0 and finite, got nan");
    s = sc;
    s.select.rank = {selection_rank::duration, selection_rank::cost};
    REQUIRE_THROWS_WITH(s.validate(), "tracks.child.states.light.complexity: is a weight in the complexity score, which this "
                                      "scenario neither ranks by (selection.rank = [\"duration\", \"cost\"]) nor selects by "
                                      "(selection.score_min, score_max): add \"score\" to selection.rank");
    s.select.score_max = 3.0;  // a score band reads the weights
    CHECK_NOTHROW(s.validate());
}

TEST_CASE("the analytic mode refuses ranking by several keys and complexity weights by name", "[selection][analytic]") {
    scenario sc = single_state({"employment"}, {cost("employment", 100.0)});
    sc.select.rank = {selection_rank::score, selection_rank::duration};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution),
                        "analytic mode: selection.rank = [\"score\", \"duration\"] (families ranked by several keys in "
                        "turn); the analytic mode puts every family inside the solution from t = 0");
    CHECK_NOTHROW(require_analytic_support(compile(sc), treatment::usual));
    sc.select.rank = {selection_rank::score};
    sc.tracks[0].states[0].complexity = 2.0;
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution),
                        "analytic mode: tracks.person.states.here.complexity is set (a weight in the complexity score "
                        "that ranks families); the analytic mode puts every family inside the solution from t = 0");
}
