// Ages of family members and the selection rules that read them (ages.hpp,
// simulation_selection.cpp): band labels, reserved places, a quota walked through by hand, a cap
// on cases and members ageing into an age band (ranking by duration: selection_test.cpp).
#include "tvaer/ages.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "builders.hpp"
#include "tvaer/analytic.hpp"
#include "tvaer/error.hpp"
#include "tvaer/model.hpp"

using namespace tvaer;
using namespace tvaer::test;

TEST_CASE("an age band 'a-b' covers the ages from a up to the day before b + 1", "[ages]") {
    const age_band b = parse_age_band("15-23", "x");
    CHECK(b.lo == 15.0);
    CHECK(b.hi == 24.0);
    CHECK(b.contains(15.0));
    CHECK(b.contains(23.99));
    CHECK_FALSE(b.contains(24.0));
    CHECK_FALSE(b.contains(14.99));
    CHECK_FALSE(b.contains(std::nan("")));  // a member of a track without ages
    CHECK(b.overlaps(parse_age_band("23-29", "x")));
    CHECK_FALSE(b.overlaps(parse_age_band("24-29", "x")));
    REQUIRE_THROWS_WITH(parse_age_band("15 to 23", "selection.age_bands[0]"),
                        "selection.age_bands[0]: must be an age band 'a-b' in whole years 0-150 (e.g. '15-23'), got '15 to 23'");
    REQUIRE_THROWS_WITH(parse_age_band("23-15", "q"), "q: the band's first age must not exceed its last, got '23-15'");
    REQUIRE_THROWS_WITH(parse_age_band("15-230", "q"), Catch::Contains("got '15-230'"));
}

TEST_CASE("reserved places are the share of the places rounded to the nearest place", "[ages]") {
    CHECK(detail::reserved_places(1.0 / 3.0, 12) == 4);  // Høje-Taastrup: a third of 12 [report L6395-6397]
    CHECK(detail::reserved_places(0.334, 12) == 4);
    CHECK(detail::reserved_places(0.5, 3) == 2);          // 1.5 rounds up
    CHECK(detail::reserved_places(0.1, 4) == 0);          // 0.4 rounds down
    CHECK(detail::reserved_places(1.0, 7) == 7);
}

namespace {

// One adult per family in a state of its own whose cost (employment) ranks the family; a
// family with a youth (ages 16-16) has one member on the track "youth" at no cost.
scenario ranked_families(const std::vector<std::pair<double, bool>>& families) {
    scenario sc;
    sc.horizon_months = 12.0;
    sc.sectors = {"employment"};
    track youth;
    youth.name = "youth";
    youth.members = {1.0};
    youth.initial = {1.0};
    youth.age_bands = {"16-16"};
    youth.age_shares = {1.0};
    youth.states = {state{"young", {}, std::nullopt, {}}};
    std::vector<double> employment;
    for (const auto& f : families) employment.push_back(f.first);
    const track adult = adults_of(sc, employment, [&](std::uint32_t f) {
        if (families[f].second) sc.people.table.push_back(member_row{f, "youth", "young", ""});
    });
    sc.tracks = {adult, youth};
    sc.select.min_sectors = 1;
    sc.select.rank = {selection_rank::cost};
    sc.select.capacity = 4;
    return sc;
}

std::vector<std::int32_t> admitted(const scenario& sc) {
    return simulate_arm(compile(sc), 1, 0, arm::solution, {.family_costs = true}).family_admitted;
}

}  // namespace

TEST_CASE("a quota reserves its places for the group while one of its families waits", "[ages][selection]") {
    // 4 places, half reserved for families with a member aged 15-23: 2 places. Ranked by cost:
    // F0 60k, F1 50k, F2 40k (youth), F3 30k, F4 20k, F5 10k (youth), F6 5k (youth).
    // Walk: 4 free > 2 reserved: F0; 3 > 2: F1; F2 is youth: in (1 youth inside, 1 still
    // reserved); 1 free, not > 1 reserved: F3 and F4 wait; F5 is youth: in. Full.
    scenario sc = ranked_families({{60e3, false}, {50e3, false}, {40e3, true}, {30e3, false}, {20e3, false}, {10e3, true}, {5e3, true}});
    sc.select.quota = {{"15-23", 0.5}};
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, 0, 0, -1, -1, 0, -1});
    // without the quota the four most expensive
    sc.select.quota.clear();
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, 0, 0, 0, -1, -1, -1});
    // a band nobody is in at the start (the youths are 16, not yet 17) reserves nothing while none
    // of its families waits: the four most expensive
    sc.select.quota = {{"17-17", 0.5}};
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, 0, 0, 0, -1, -1, -1});
}

TEST_CASE("a reserved place is held only while a family of the group waits", "[ages][selection]") {
    // One youth family (F2) for two reserved places: F0, F1 (4 > 2, 3 > 2), F2 (youth); then no
    // youth waits, so nothing is reserved and F3 takes the last place.
    scenario sc = ranked_families({{60e3, false}, {50e3, false}, {40e3, true}, {30e3, false}, {20e3, false}});
    sc.select.quota = {{"15-23", 0.5}};
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, 0, 0, 0, -1});
}

TEST_CASE("a cap on cases admits, in order, the families whose cases still fit", "[selection]") {
    // Assens holds about 75 child cases at a time [report L4846]; here 3. Ranked by the adult's cost:
    // F0 (2 children in a measure), F1 (2), F2 (1), F3 (none), F4 (1). F0: 2 <= 3, in; F1: 4 > 3,
    // waits; F2: 3, in; F3: 3, in; F4: 4 > 3, waits. Places are unlimited.
    scenario sc = families_of({{50e3, 2}, {40e3, 2}, {30e3, 1}, {20e3, 0}, {10e3, 1}});
    sc.select.case_capacity = {{"children", 3.0}};
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, -1, 0, 0, -1});
    sc.select.case_capacity = {{"children", 4.0}};  // F0 and F1 fill it; F3 has no child case
    CHECK(admitted(sc) == std::vector<std::int32_t>{0, 0, -1, 0, -1});
    sc.select.case_capacity = {{"schools", 4.0}};
    REQUIRE_THROWS_WITH(sc.validate(), "selection.case_capacity.schools: unknown sector 'schools' (known: employment, children)");
    sc.select.case_capacity = {{"children", 7.5}};
    REQUIRE_THROWS_WITH(sc.validate(), "selection.case_capacity.children: must be a whole number of cases in [1, 4294967295], got 7.5");
}

TEST_CASE("members age: a child aged 14 at the start is 15 after 18 months and the family becomes eligible",
          "[ages][selection]") {
    // Every family: an adult in employment's care, a child in stage "a" for exactly 18 months, then
    // "b". The child is 14 (family 0) or 10 (family 1) at the start. Eligible only with a member
    // aged 15-23; re-checked when a member changes state: family 0's child is 15.5-16.5 at month 18
    // and the family is admitted then; family 1's child is 11.5-12.5 and never is.
    scenario sc = empty_scenario(36.0, 2, {"employment", "children"});
    const track adult = tabled_track("adult", {state{"case", {}, std::nullopt, {cost("employment", 1000.0)}}});
    track older = tabled_track("child14", {state{"a", {transition{"b", 0.0, 1.0}}, sojourn::fixed(18.0), {cost("children", 500.0)}},
                                           state{"b", {}, std::nullopt, {cost("children", 500.0)}}});
    older.age_bands = {"14-14"};
    older.age_shares = {1.0};
    track younger = older;
    younger.name = "child10";
    younger.age_bands = {"10-10"};
    sc.tracks = {adult, older, younger};
    sc.people.table = {{0, "adult", "case", ""}, {0, "child14", "a", ""}, {1, "adult", "case", ""}, {1, "child10", "a", ""}};
    sc.select.min_sectors = 1;
    sc.select.recheck = true;
    sc.select.age_bands = {"15-23"};
    CHECK(admitted(sc) == std::vector<std::int32_t>{18, -1});
    sc.select.age_bands = {"10-12"};  // family 1 from the start; family 0's child is 14 then 15
    CHECK(admitted(sc) == std::vector<std::int32_t>{-1, 0});
}

TEST_CASE("bad ages and quotas are named by their key path", "[ages][scenario]") {
    scenario sc = ranked_families({{60e3, false}, {50e3, true}});
    sc.select.quota = {{"15-23", 0.5}};
    REQUIRE_NOTHROW(sc.validate());
    scenario s = sc;
    s.select.quota = {{"15-23", 1.5}};
    REQUIRE_THROWS_WITH(s.validate(), "selection.quota.15-23: must be a share in [0, 1], got 1.5");
    s.select.quota = {{"15-23", 0.6}, {"24-29", 0.5}};
    REQUIRE_THROWS_WITH(s.validate(), "selection.quota: the reserved shares must sum to at most 1, got 1.1");
    s.select.quota = {{"15-23", 0.3}, {"20-29", 0.3}};
    REQUIRE_THROWS_WITH(s.validate(), "selection.quota.20-29: overlaps the band '15-23'");
    s.select.quota = {{"60-70", 0.3}};
    REQUIRE_THROWS_WITH(s.validate(), "selection.quota.60-70: no member can be aged 60-70 within the horizon (ages at "
                                      "entry: youth 16-16; members age over the 12-month horizon)");
    s = sc;
    s.select.capacity = 0;
    REQUIRE_THROWS_WITH(s.validate(), Catch::StartsWith("selection.quota: needs a number of places"));
    s = sc;
    s.tracks[1].age_bands = {"0-5", "5-9"};
    s.tracks[1].age_shares = {0.5, 0.5};
    REQUIRE_THROWS_WITH(s.validate(), "tracks.youth.ages.5-9: overlaps the band '0-5'");
    s.tracks[1].age_bands = {"0-5", "6-9"};
    s.tracks[1].age_shares = {0.5, 0.6};
    REQUIRE_THROWS_WITH(s.validate(), "tracks.youth.ages: shares must sum to 1, got 1.1");
    s = sc;
    s.tracks[1].age_bands.clear();
    s.tracks[1].age_shares.clear();
    s.select.quota.clear();
    s.select.age_bands = {"15-23"};
    REQUIRE_THROWS_WITH(s.validate(), "selection.age_bands[0]: no track has ages (give the tracks whose members it means an `ages` table)");
}

TEST_CASE("the analytic mode refuses age rules of selection by name and accepts ages on tracks", "[ages][analytic]") {
    scenario sc = single_state({"employment"}, {cost("employment", 100.0)});
    sc.tracks[0].age_bands = {"18-29", "30-64"};
    sc.tracks[0].age_shares = {0.4, 0.6};
    CHECK_NOTHROW(require_analytic_support(compile(sc), treatment::solution));
    sc.select.capacity = 5;
    sc.select.quota = {{"18-29", 0.2}};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution),
                        "analytic mode: selection.quota is set (places reserved by age); the analytic mode puts every "
                        "family inside the solution from t = 0");
    CHECK_NOTHROW(require_analytic_support(compile(sc), treatment::usual));
    sc.select.quota.clear();
    sc.select.age_bands = {"18-29"};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution), Catch::StartsWith("analytic mode: selection.age_bands is set"));
    sc.select.age_bands.clear();
    sc.select.case_capacity = {{"employment", 3.0}};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution), Catch::StartsWith("analytic mode: selection.case_capacity is set"));
    sc.select.case_capacity.clear();
    sc.select.rank = {selection_rank::duration};
    REQUIRE_THROWS_WITH(require_analytic_support(compile(sc), treatment::solution), Catch::StartsWith("analytic mode: selection.rank = \"duration\""));
}
