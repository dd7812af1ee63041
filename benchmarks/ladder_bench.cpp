// The reference benchmark model (shared/bench/ladder.md) on the tvaer engine, single thread.
// Usage: tvaer_bench_ladder N [replications=1] [seed=1]
// Prints one line of key=value pairs per replication (with its year-1 cost per family and sector)
// and the mean cost table per family.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tvaer/model.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/simulation.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s N [replications=1] [seed=1]\n", argv[0]);
        return 2;
    }
    const auto n = static_cast<std::uint32_t>(std::stoul(argv[1]));
    const int reps = argc > 2 ? std::stoi(argv[2]) : 1;
    const std::uint64_t seed = argc > 3 ? std::stoull(argv[3]) : 1;
    const tvaer::model m = tvaer::compile(tvaer::ladder_scenario(n));
    std::vector<double> year_sector(10 * 3, 0.0);
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const tvaer::arm_result res = tvaer::simulate_arm(m, seed, static_cast<std::uint32_t>(r), tvaer::arm::bau);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::uint64_t dropped = 0;
        for (auto d : res.dropped) dropped += d;
        const std::vector<double> rep_cost = tvaer::ladder_costs_per_family(m, res);
        for (std::size_t i = 0; i < rep_cost.size(); ++i) year_sector[i] += rep_cost[i] / reps;
        std::printf("N=%u rep=%d events=%llu wall_s=%.4f events_per_s=%.0f peak_rss_mb=%.1f engine_bytes_per_family=%.1f dropped=%llu"
                    " y1_employment=%.1f y1_adults=%.1f y1_children=%.1f\n",
                    n, r, static_cast<unsigned long long>(res.events), wall, static_cast<double>(res.events) / wall,
                    static_cast<double>(ru.ru_maxrss) / 1024.0, static_cast<double>(res.engine_bytes) / n,
                    static_cast<unsigned long long>(dropped), rep_cost[0], rep_cost[1], rep_cost[2]);
    }
    std::printf("year,employment,adults,children  (mean DKK per family)\n");
    for (int y = 0; y < 10; ++y) {
        std::printf("%d,%.0f,%.0f,%.0f\n", y + 1, year_sector[y * 3], year_sector[y * 3 + 1], year_sector[y * 3 + 2]);
    }
    return 0;
}
