// tvaer_run: loads a scenario file and runs it with the engine alone (no Python), printing each
// budget's mean cost per year in both arms. The Python package and `tvaer run` do the same with
// intervals, charts and results files; this command shows that the engine needs none of them.
//
//   tvaer_run SCENARIO.toml [REPLICATIONS [SEED [THREADS]]]
//
// Exit status: 0 on success, 2 for a bad scenario or bad arguments (the message names the file,
// line, column and key path), 1 for any other failure.
#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "tvaer/error.hpp"
#include "tvaer/model.hpp"
#include "tvaer/replications.hpp"

namespace {

unsigned long parse_count(const char* text, const char* what) {
    std::size_t used = 0;
    const std::string s(text);
    unsigned long v = 0;
    try {
        v = std::stoul(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != s.size() || s.empty() || s[0] == '-') throw std::invalid_argument(fmt::format("{} must be a whole number, got '{}'", what, s));
    return v;
}

// Mean DKK per budget, arm and year over the replications: [budget][arm][year].
std::vector<double> yearly_by_budget(const tvaer::model& m, const tvaer::results& r) {
    const std::size_t lines = m.lines.size(), months = r.months, years = (months + 11) / 12, budgets = m.budgets.size();
    std::vector<double> out(budgets * 2 * years, 0.0);
    for (std::size_t rep = 0; rep < r.replications; ++rep)
        for (std::size_t arm = 0; arm < 2; ++arm)
            for (std::size_t l = 0; l < lines; ++l)
                for (std::size_t t = 0; t < months; ++t) {
                    const double c = r.costs[((rep * 2 + arm) * lines + l) * months + t];
                    out[(m.lines[l].payer * 2 + arm) * years + t / 12] += c / static_cast<double>(r.replications);
                }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 5) {
        std::fputs("usage: tvaer_run SCENARIO.toml [REPLICATIONS [SEED [THREADS]]]\n", stderr);
        return 2;
    }
    try {
        tvaer::run_options o;
        o.replications = argc > 2 ? static_cast<std::uint32_t>(parse_count(argv[2], "REPLICATIONS")) : 10;
        o.seed = argc > 3 ? parse_count(argv[3], "SEED") : 1;
        o.threads = argc > 4 ? static_cast<unsigned>(parse_count(argv[4], "THREADS")) : 0;
        if (o.replications == 0) throw std::invalid_argument("REPLICATIONS must be at least 1");
        const tvaer::model m = tvaer::compile(tvaer::document::load(argv[1]));
        const tvaer::results r = tvaer::run_replications(m, o);
        const std::vector<double> y = yearly_by_budget(m, r);
        const std::size_t years = (r.months + 11) / 12;
        fmt::print("{}: {} replications, seed {}; mean cost per year, thousands of DKK\n", m.spec.name, r.replications, o.seed);
        fmt::print("{:<12} {:>4} {:>12} {:>12} {:>12}\n", "budget", "year", "bau", "solution", "difference");
        for (std::size_t b = 0; b < m.budgets.size(); ++b)
            for (std::size_t t = 0; t < years; ++t) {
                const double bau = y[(b * 2) * years + t] / 1000.0, sol = y[(b * 2 + 1) * years + t] / 1000.0;
                fmt::print("{:<12} {:>4} {:>12.0f} {:>12.0f} {:>12.0f}\n", m.budgets[b], t + 1, bau, sol, sol - bau);
            }
        return 0;
    } catch (const tvaer::scenario_error& e) {
        fmt::print(stderr, "tvaer_run: error: {}\n", e.what());
        return 2;
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "tvaer_run: error: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "tvaer_run: error: {}\n", e.what());
        return 1;
    }
}
