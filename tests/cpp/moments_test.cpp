// Running moments over replications (moments.hpp): Welford's update against hand-computed
// moments and against the two-pass formulas, split folds against one fold, and its error.
#include "tvaer/moments.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

using namespace tvaer;

TEST_CASE("fold_moments gives the mean and the sum of squared deviations of hand-computed rows") {
    // Three replications; a row is two doubles from one source and one count from another.
    const std::vector<double> a{2.0, -1.0, 4.0, -1.0, 9.0, 5.0};
    const std::vector<std::uint32_t> b{7, 1, 4};
    const std::vector<moment_rows> sources{{a.data(), 2}, {b.data(), 1}};
    std::vector<double> mean(3, 0.0), m2(3, 0.0);
    fold_moments(mean, m2, 0, sources, 3);
    // 2, 4, 9: mean 5, squared deviations 9 + 1 + 16. -1, -1, 5: mean 1, 4 + 4 + 16. 7, 1, 4: 4, 9 + 9 + 0.
    CHECK(mean == std::vector<double>{5.0, 1.0, 4.0});
    CHECK(m2 == std::vector<double>{26.0, 24.0, 18.0});
}

TEST_CASE("fold_moments agrees with the two-pass mean and variance, and folds in parts give the same bytes") {
    std::mt19937_64 gen(11);
    std::lognormal_distribution<double> cost(9.0, 1.5);
    const std::size_t reps = 37, width = 5;
    std::vector<double> x(reps * width);
    for (double& v : x) v = cost(gen);
    const std::vector<moment_rows> whole{{x.data(), width}};
    std::vector<double> mean(width, 0.0), m2(width, 0.0);
    fold_moments(mean, m2, 0, whole, reps);
    for (std::size_t j = 0; j < width; ++j) {
        double sum = 0.0;
        for (std::size_t r = 0; r < reps; ++r) sum += x[r * width + j];
        const double m = sum / reps;
        double ss = 0.0;
        for (std::size_t r = 0; r < reps; ++r) ss += (x[r * width + j] - m) * (x[r * width + j] - m);
        CHECK(mean[j] == Approx(m).epsilon(1e-12));
        CHECK(m2[j] == Approx(ss).epsilon(1e-10));
    }
    // 10 replications, then 27 more that follow them: the same bytes as all 37 at once.
    std::vector<double> mean2(width, 0.0), m22(width, 0.0);
    fold_moments(mean2, m22, 0, whole, 10);
    const std::vector<moment_rows> rest{{x.data() + 10 * width, width}};
    fold_moments(mean2, m22, 10, rest, reps - 10);
    CHECK(std::memcmp(mean.data(), mean2.data(), width * sizeof(double)) == 0);
    CHECK(std::memcmp(m2.data(), m22.data(), width * sizeof(double)) == 0);
}

TEST_CASE("fold_moments refuses sources whose rows do not fill the moments") {
    const std::vector<double> a(4, 1.0);
    const std::vector<moment_rows> sources{{a.data(), 2}};
    std::vector<double> mean(3, 0.0), m2(3, 0.0);
    CHECK_THROWS_WITH(fold_moments(mean, m2, 0, sources, 2),
                      "fold_moments: the sources' rows have 2 values, the moments 3 and 3");
}
