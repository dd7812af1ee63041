// Keyed streams: reproducibility, independence of neighbouring keys, FNV-1a purposes, Boost
// compatibility, and common random numbers at the level of the simulation.
#include <catch2/catch.hpp>

#include "builders.hpp"

#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <functional>
#include <utility>

#include "tvaer/replications.hpp"
#include "tvaer/rng.hpp"

using namespace tvaer;

namespace {

constexpr std::size_t pairs = 100'000;
// For independent uniforms the sample correlation of n pairs has SD 1/sqrt(n); 4.5 SD is the
// tolerance (a false alarm once in ~150,000 runs; the seed is fixed, so the test is deterministic).
const double correlation_tolerance = 4.5 / std::sqrt(static_cast<double>(pairs));

double correlation(const std::function<std::pair<double, double>(std::size_t)>& pair_at) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (std::size_t i = 0; i < pairs; ++i) {
        const auto [x, y] = pair_at(i);
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    const double n = static_cast<double>(pairs);
    const double cov = sxy / n - (sx / n) * (sy / n);
    return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

const stream_key base_key{42, 3, 17, 2, purpose_id("member/sojourn")};

// The first draw of the stream whose key is `base_key` with one field set to i (or the occurrence).
double first_draw(int field, std::uint64_t i) {
    stream_key k = base_key;
    std::uint64_t occurrence = 0;
    switch (field) {
        case 0: k.seed = i; break;
        case 1: k.replication = i; break;
        case 2: k.family = i; break;
        case 3: k.member = i; break;
        case 4: k.purpose = i; break;
        default: occurrence = i; break;
    }
    return stream(k, occurrence).uniform();
}

}  // namespace

TEST_CASE("rng: the same key gives the same numbers", "[rng]") {
    stream a(base_key, 5), b(base_key, 5);
    for (int i = 0; i < 1000; ++i) REQUIRE(a() == b());
    stream c(base_key, 5), d(base_key.hash(5));
    for (int i = 0; i < 10; ++i) REQUIRE(c() == d());
    stream skipped(base_key, 5), drawn(base_key, 5);
    skipped.discard(3);
    for (int i = 0; i < 3; ++i) drawn();
    CHECK(skipped() == drawn());
    stream e(base_key, 6);
    stream f(base_key, 5);
    REQUIRE(e() != f());
}

TEST_CASE("rng: a key is hashed as documented, word by word", "[rng]") {
    // A second implementation of the formula in docs/design.md: SplitMix64's finaliser over
    // h + gamma + word * M, the purpose and occurrence in one step, then a Weyl sequence.
    auto mix = [](std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    constexpr std::uint64_t gamma = 0x9e3779b97f4a7c15ULL, m_word = 0xd1342543de82ef95ULL,
                            m_occurrence = 0xaf251af3b0f025b5ULL;
    std::uint64_t h = mix(base_key.seed ^ 0x7476616572ULL);
    // Family and member share a word, the family in the high half.
    for (std::uint64_t w : {base_key.replication, (base_key.family << 32) | base_key.member}) h = mix(h + gamma + w * m_word);
    const std::uint64_t occurrence = 7;
    h = mix(h + gamma + base_key.purpose * m_word + occurrence * m_occurrence);
    CHECK(base_key.hash(occurrence) == h);
    stream s(base_key, occurrence);
    CHECK(s() == mix(h + gamma));
    CHECK(s() == mix(h + 2 * gamma));
    // The engine's prefix form gives the same hash.
    CHECK(key_hash::start(base_key.seed).then(base_key.replication).then(family_member(base_key.family, base_key.member))
              .draw(base_key.purpose, occurrence) == h);
}

TEST_CASE("rng: neighbouring keys give uncorrelated streams", "[rng]") {
    const char* names[] = {"seed", "replication", "family", "member", "purpose", "occurrence"};
    for (int field = 0; field < 6; ++field) {
        INFO("neighbouring " << names[field] << " (first draws of keys i and i + 1)");
        const double r = correlation([&](std::size_t i) { return std::pair{first_draw(field, i), first_draw(field, i + 1)}; });
        CHECK(std::abs(r) < correlation_tolerance);
    }
    SECTION("keys that differ in two words at once") {
        // The purpose and the occurrence enter one mix together; the member and family in turn.
        const std::uint64_t other = purpose_id("member/destination");
        CHECK(std::abs(correlation([&](std::size_t i) {
                  stream_key a = base_key, b = base_key;
                  b.purpose = other;
                  return std::pair{stream(a, i).uniform(), stream(b, i + 1).uniform()};
              })) < correlation_tolerance);
        CHECK(std::abs(correlation([&](std::size_t i) {
                  stream_key a = base_key, b = base_key;
                  a.family = i, a.member = 1;
                  b.family = i + 1, b.member = 0;
                  return std::pair{stream(a, 0).uniform(), stream(b, 0).uniform()};
              })) < correlation_tolerance);
    }
    SECTION("two whole streams of neighbouring families, draw by draw") {
        stream_key k2 = base_key;
        k2.family += 1;
        stream a(base_key, 0), b(k2, 0);
        CHECK(std::abs(correlation([&](std::size_t) { return std::pair{a.uniform(), b.uniform()}; })) < correlation_tolerance);
    }
    SECTION("successive draws of one stream (lag 1)") {
        stream a(base_key, 0);
        double prev = a.uniform();
        CHECK(std::abs(correlation([&](std::size_t) {
                  const double next = a.uniform();
                  return std::pair{std::exchange(prev, next), next};
              })) < correlation_tolerance);
    }
}

TEST_CASE("rng: uniform() passes a chi-square test across keys and within a stream", "[rng]") {
    constexpr std::size_t bins = 100, draws = 1'000'000;
    // Critical value of chi-square with 99 degrees of freedom at 0.1 %: 148.23 (tables).
    const double critical = boost::math::quantile(boost::math::chi_squared(bins - 1.0), 0.999);
    REQUIRE(critical == Approx(148.23).margin(0.01));
    auto chi2 = [&](const std::function<double(std::size_t)>& u) {
        std::array<double, bins> count{};
        for (std::size_t i = 0; i < draws; ++i) {
            const double x = u(i);
            REQUIRE((x > 0.0 && x < 1.0));
            count[static_cast<std::size_t>(x * bins)] += 1.0;
        }
        const double expected = static_cast<double>(draws) / bins;
        double stat = 0.0;
        for (double c : count) stat += (c - expected) * (c - expected) / expected;
        return stat;
    };
    CHECK(chi2([](std::size_t i) { return first_draw(2, i); }) < critical);  // one draw per family
    stream s(base_key, 0);
    CHECK(chi2([&](std::size_t) { return s.uniform(); }) < critical);
}

TEST_CASE("rng: purpose_id is 64-bit FNV-1a", "[rng]") {
    // Published FNV-1a 64-bit test vectors (Fowler, Noll, Vo; isthe.com/chongo/tech/comp/fnv).
    STATIC_REQUIRE(purpose_id("") == 0xcbf29ce484222325ULL);
    STATIC_REQUIRE(purpose_id("a") == 0xaf63dc4c8601ec8cULL);
    STATIC_REQUIRE(purpose_id("foobar") == 0x85944171f73967e8ULL);
    // A second implementation, byte by byte, for a name the engine uses.
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : std::string("member/sojourn")) h = (h ^ c) * 1099511628211ULL;
    CHECK(purpose_id("member/sojourn") == h);
    CHECK(purpose_id("intervention/duration/mentor") != purpose_id("intervention/duration/mentos"));
}

TEST_CASE("rng: a stream is a Boost uniform random number generator", "[rng]") {
    STATIC_REQUIRE(stream::min() == 0);
    STATIC_REQUIRE(stream::max() == ~std::uint64_t{0});
    stream s(base_key, 0);
    boost::random::uniform_int_distribution<int> die(1, 6);
    std::array<int, 7> count{};
    constexpr int n = 60'000;
    for (int i = 0; i < n; ++i) {
        const int v = die(s);
        REQUIRE((v >= 1 && v <= 6));
        ++count[static_cast<std::size_t>(v)];
    }
    // Each face: binomial(60000, 1/6), SD 91.3; 5 SD.
    for (int v = 1; v <= 6; ++v) CHECK(std::abs(count[static_cast<std::size_t>(v)] - n / 6) < 5 * 91.3);
}

namespace {


// Adults on a 3-step ladder and children (in half of the families) who may need help.
using tvaer::test::cost;
using tvaer::test::requested_on;
using tvaer::test::to;

scenario crn_scenario() {
    scenario sc;
    sc.horizon_months = 36;
    sc.families = 300;
    sc.sectors = {"adults", "children"};
    track adult;
    adult.name = "adult";
    adult.members = {0.0, 0.6, 0.4};
    adult.initial = {0.6, 0.4, 0.0};
    adult.states = {state{"S1", {to("S2", 0.1)}, std::nullopt, {cost("adults", 5000)}},
                    state{"S2", {to("S1", 0.03), to("JOB", 0.08)}, std::nullopt, {cost("adults", 2000)}},
                    state{"JOB", {to("S2", 0.01)}, std::nullopt, {}}};
    track child;
    child.name = "child";
    child.members = {0.5, 0.3, 0.2};
    child.initial = {0.8, 0.2};
    child.states = {state{"NONE", {to("HELP", 0.02)}, std::nullopt, {}},
                    state{"HELP", {to("NONE", 0.05)}, std::nullopt, {cost("children", 9000)}}};
    sc.tracks = {adult, child};
    sc.select.min_sectors = 1;
    return sc;
}

// Sum of one line's months, found by its source and group.
std::vector<double> line_months(const model& m, const arm_result& r, const std::string& source) {
    std::vector<double> out(m.months, 0.0);
    for (std::size_t l = 0; l < m.lines.size(); ++l) {
        if (m.lines[l].source != source) continue;
        for (std::size_t mo = 0; mo < m.months; ++mo) out[mo] += r.costs.at(l, mo);
    }
    return out;
}

void require_same_months(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    // Equal up to summation order: events interleave differently when the other model changes.
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-12));
}

}  // namespace

TEST_CASE("rng: a change to what some members do leaves the other members' draws alone", "[rng]") {
    const auto base = compile(crn_scenario());
    SECTION("an intervention on the child track, with an effect there") {
        auto sc = crn_scenario();
        intervention iv = requested_on("family_help", "child", "HELP", sojourn::exponential(0.2),
                                        {cost("children", 4000)}, {effect{"child", "HELP", "NONE", 3.0}});
        sc.interventions = {iv};
        const auto changed = compile(sc);
        for (arm a : {arm::bau, arm::solution}) {
            const auto r0 = simulate_arm(base, 5, 2, a), r1 = simulate_arm(changed, 5, 2, a);
            require_same_months(line_months(base, r0, "adult/S1"), line_months(changed, r1, "adult/S1"));
            require_same_months(line_months(base, r0, "adult/S2"), line_months(changed, r1, "adult/S2"));
            // ... while the children's costs did change (the test would be empty otherwise)
            CHECK(line_months(base, r0, "child/HELP") != line_months(changed, r1, "child/HELP"));
        }
    }
    SECTION("a state no one enters, with an intervention requested there") {
        auto sc = crn_scenario();
        sc.tracks[0].states.push_back(state{"CRISIS", {to("S1", 0.5)}, std::nullopt, {cost("adults", 1e6)}});
        sc.tracks[0].initial.push_back(0.0);
        intervention iv;
        iv.name = "crisis_team";
        iv.track = "adult";
        iv.request_on_entry = {"CRISIS"};
        iv.duration = sojourn::exponential(1.0);
        iv.effects = {effect{"adult", "S1", "S2", 4.0}};
        sc.interventions = {iv};
        const auto changed = compile(sc);
        const auto r0 = simulate_arm(base, 9, 0, arm::bau), r1 = simulate_arm(changed, 9, 0, arm::bau);
        for (const char* source : {"adult/S1", "adult/S2", "child/HELP"})
            require_same_months(line_months(base, r0, source), line_months(changed, r1, source));
    }
}

TEST_CASE("rng: results do not depend on the thread count", "[rng]") {
    auto sc = crn_scenario();
    sc.select.capacity = 40;
    const auto m = compile(sc);
    const auto one = run_replications(m, run_options{11, 0, 6, 1, {}});
    const auto two = run_replications(m, run_options{11, 0, 6, 2, {}});
    REQUIRE(one.replications == 6);
    CHECK(one.costs == two.costs);
    CHECK(one.occupancy == two.occupancy);
    CHECK(one.transitions == two.transitions);
    CHECK(one.starts == two.starts);
    CHECK(one.events == two.events);
    CHECK(one.admitted == two.admitted);
}
