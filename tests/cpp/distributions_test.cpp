// Sojourn distributions against closed forms: cumulative hazards, means, rescaled clocks.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tvaer/distributions.hpp"
#include "tvaer/error.hpp"
#include "tvaer/rng.hpp"

using namespace tvaer;

namespace {

const std::vector<double> empirical_table = {1.0, 2.0, 4.0, 8.0};

std::vector<sojourn> all_with_hazard() {
    return {sojourn::exponential(0.3), sojourn::weibull(1.7, 5.0), sojourn::weibull(0.6, 2.0),
            sojourn::lognormal(1.2, 0.8), sojourn::empirical(empirical_table)};
}

// The piecewise-linear CDF through (d_i, i/(n-1)) is a mixture of uniforms on the segments,
// each of weight 1/(n-1): its moments follow from the uniform's.
double empirical_moment(int k) {
    double sum = 0.0;
    for (std::size_t i = 1; i < empirical_table.size(); ++i) {
        const double a = empirical_table[i - 1], b = empirical_table[i];
        sum += k == 1 ? (a + b) / 2.0 : (a * a + a * b + b * b) / 3.0;
    }
    return sum / static_cast<double>(empirical_table.size() - 1);
}

struct moments {
    double mean, sd;
};

moments closed_form(const sojourn& d) {
    switch (d.kind) {
        case sojourn_kind::exponential: return {1.0 / d.a, 1.0 / d.a};
        case sojourn_kind::weibull: {
            const double g1 = std::tgamma(1.0 + 1.0 / d.a), g2 = std::tgamma(1.0 + 2.0 / d.a);
            return {d.b * g1, d.b * std::sqrt(g2 - g1 * g1)};
        }
        case sojourn_kind::lognormal: {
            const double s2 = d.b * d.b;
            return {std::exp(d.a + s2 / 2.0), std::sqrt((std::exp(s2) - 1.0) * std::exp(2.0 * d.a + s2))};
        }
        case sojourn_kind::empirical: {
            const double m = empirical_moment(1);
            return {m, std::sqrt(empirical_moment(2) - m * m)};
        }
        case sojourn_kind::fixed: return {d.a, 0.0};
    }
    return {0.0, 0.0};
}

const stream_key key{2024, 0, 0, 0, purpose_id("test/distributions")};

}  // namespace

TEST_CASE("distributions: cum_hazard and inverse_cum_hazard are inverse", "[distributions]") {
    for (const auto& d : all_with_hazard()) {
        INFO("kind " << static_cast<int>(d.kind));
        for (double h : {0.01, 0.1, 0.5, 1.0, 2.0, 5.0}) {
            CHECK(d.cum_hazard(d.inverse_cum_hazard(h)) == Approx(h).epsilon(1e-9));
        }
        for (double p : {0.05, 0.3, 0.6, 0.9}) {  // ages inside the support: the p-quantiles
            const double s = d.inverse_cum_hazard(-std::log1p(-p));
            CHECK(d.inverse_cum_hazard(d.cum_hazard(s)) == Approx(s).epsilon(1e-9));
        }
    }
}

TEST_CASE("distributions: closed-form cumulative hazards", "[distributions]") {
    CHECK(sojourn::exponential(0.3).cum_hazard(4.0) == Approx(1.2));
    CHECK(sojourn::weibull(2.0, 10.0).cum_hazard(5.0) == Approx(0.25));
    // log-normal: H(s) = -log(1 - Phi((log s - mu)/sigma)); at s = e^mu, Phi(0) = 1/2
    CHECK(sojourn::lognormal(1.2, 0.8).cum_hazard(std::exp(1.2)) == Approx(std::log(2.0)));
    // empirical: F(3) = (1 + 0.5)/3 = 0.5 on {1, 2, 4, 8}
    CHECK(sojourn::empirical(empirical_table).cum_hazard(3.0) == Approx(std::log(2.0)));
    CHECK(std::isinf(sojourn::empirical(empirical_table).cum_hazard(8.0)));
    CHECK(std::isinf(sojourn::fixed(6.0).cum_hazard(6.0)));
    CHECK(sojourn::fixed(6.0).cum_hazard(5.9) == 0.0);
    CHECK(sojourn::weibull(2.0, 10.0).cum_hazard(0.0) == 0.0);
}

TEST_CASE("distributions: sample means against closed-form means", "[distributions]") {
    constexpr int n = 200'000;
    for (const auto& d : all_with_hazard()) {
        const auto cf = closed_form(d);
        INFO("kind " << static_cast<int>(d.kind) << ", closed-form mean " << cf.mean);
        CHECK(d.mean() == Approx(cf.mean).epsilon(1e-12));
        stream s(key, static_cast<std::uint64_t>(d.kind));
        double sum = 0.0;
        for (int i = 0; i < n; ++i) sum += d.sample(s);
        // 4.5 standard errors of the mean (the seed is fixed)
        CHECK(std::abs(sum / n - cf.mean) < 4.5 * cf.sd / std::sqrt(double(n)));
    }
    SECTION("a hazard multiplier of 2 halves an exponential mean") {
        stream s(key, 99);
        double sum = 0.0;
        for (int i = 0; i < n; ++i) sum += sojourn::exponential(0.25).sample(s, 2.0);
        CHECK(std::abs(sum / n - 2.0) < 4.5 * 2.0 / std::sqrt(double(n)));
    }
    SECTION("a fixed duration is always its length") {
        stream s(key, 7);
        CHECK(sojourn::fixed(6.0).sample(s) == 6.0);
        CHECK(sojourn::fixed(6.0).sample(s, 3.0) == 6.0);
        CHECK(sojourn::fixed(6.0).mean() == 6.0);
    }
}

TEST_CASE("distributions: rescale_fire_age", "[distributions]") {
    SECTION("exponential: the remaining time scales by m_old / m_new") {
        const auto d = sojourn::exponential(0.4);
        CHECK(rescale_fire_age(d, 3.0, 8.0, 1.5, 0.5) == Approx(3.0 + 5.0 * 3.0));
        CHECK(rescale_fire_age(d, 3.0, 8.0, 1.0, 2.0) == Approx(5.5));
        CHECK(rescale_fire_age(d, 3.0, 8.0, 2.0, 2.0) == 8.0);
    }
    SECTION("Weibull: the closed form") {
        // k = 2, scale 10: H0(5) = 0.25, H0(8) = 0.64, remaining hazard 0.39 at m_old = 1
        // becomes 0.195 at m_new = 2: new H = 0.445, new age 10 * sqrt(0.445).
        const auto d = sojourn::weibull(2.0, 10.0);
        CHECK(rescale_fire_age(d, 5.0, 8.0, 1.0, 2.0) == Approx(10.0 * std::sqrt(0.445)).epsilon(1e-12));
        // back again: m 2 -> 1 restores the original firing age
        CHECK(rescale_fire_age(d, 5.0, 10.0 * std::sqrt(0.445), 2.0, 1.0) == Approx(8.0).epsilon(1e-12));
    }
    SECTION("fixed durations, stopped clocks and clocks that never fire") {
        CHECK(rescale_fire_age(sojourn::fixed(6.0), 2.0, 6.0, 1.0, 3.0) == 6.0);
        CHECK(std::isinf(rescale_fire_age(sojourn::weibull(2.0, 10.0), 2.0, 6.0, 1.0, 0.0)));
        CHECK(std::isinf(rescale_fire_age(sojourn::exponential(1.0), 2.0, INFINITY, 1.0, 3.0)));
    }
}

TEST_CASE("distributions: a clock whose multiplier goes from 1 to 2 at age a", "[distributions]") {
    // P(T > s) = exp(-H0(s)) for s <= a, and exp(-(H0(a) + 2 (H0(s) - H0(a)))) after.
    constexpr int n = 100'000;
    const double a = 3.0;
    for (const auto& d : {sojourn::weibull(1.5, 6.0), sojourn::lognormal(1.5, 0.6), sojourn::exponential(0.2)}) {
        INFO("kind " << static_cast<int>(d.kind));
        std::vector<double> fire(n);
        for (int i = 0; i < n; ++i) {
            stream s(key, 1000 + static_cast<std::uint64_t>(i));
            fire[i] = d.sample(s);
            if (fire[i] > a) fire[i] = rescale_fire_age(d, a, fire[i], 1.0, 2.0);
        }
        for (double t : {1.0, 2.5, 4.0, 6.0, 9.0}) {
            const double h = t <= a ? d.cum_hazard(t) : d.cum_hazard(a) + 2.0 * (d.cum_hazard(t) - d.cum_hazard(a));
            const double p = std::exp(-h);
            double surviving = 0.0;
            for (double f : fire) surviving += f > t ? 1.0 : 0.0;
            INFO("age " << t << ": expected survival " << p);
            CHECK(std::abs(surviving / n - p) < 4.5 * std::sqrt(p * (1.0 - p) / n));
        }
    }
}

TEST_CASE("distributions: validate() names the bad parameter", "[distributions]") {
    using Catch::Contains;
    const std::string w = "tracks[0].states[1].duration";
    REQUIRE_THROWS_WITH(sojourn::exponential(-1.0).validate(w),
                        Contains("tracks[0].states[1].duration.rate: must be a positive finite number, got -1"));
    REQUIRE_THROWS_WITH(sojourn::weibull(0.0, 1.0).validate(w), Contains("duration.shape: must be a positive finite number, got 0"));
    REQUIRE_THROWS_WITH(sojourn::weibull(1.0, INFINITY).validate(w), Contains("duration.scale: must be a positive finite number, got inf"));
    REQUIRE_THROWS_WITH(sojourn::lognormal(NAN, 1.0).validate(w), Contains("duration.mu: must be finite, got nan"));
    REQUIRE_THROWS_WITH(sojourn::lognormal(1.0, -0.5).validate(w), Contains("duration.sigma: must be a positive finite number, got -0.5"));
    REQUIRE_THROWS_WITH(sojourn::fixed(-2.0).validate(w), Contains("duration.months: must be >= 0 and finite, got -2"));
    REQUIRE_THROWS_WITH(sojourn::empirical({1.0}).validate(w), Contains("duration.durations: needs at least 2 durations, got 1"));
    REQUIRE_THROWS_WITH(sojourn::empirical({1.0, -2.0}).validate(w),
                        Contains("duration.durations[0]: must be >= 0 and finite, got -2"));  // sorted first
    REQUIRE_THROWS_WITH(sojourn::empirical({3.0, 3.0}).validate(w), Contains("duration.durations: must not all be equal"));
    REQUIRE_THROWS_AS(sojourn::exponential(0.0).validate(w), scenario_error);
    REQUIRE_NOTHROW(sojourn::fixed(0.0).validate(w));
    for (const auto& d : all_with_hazard()) REQUIRE_NOTHROW(d.validate(w));
}
