#include "tvaer/reference.hpp"

#include <algorithm>

namespace tvaer {

namespace {
cost_rate monthly(const char* sector, double amount, cost_kind kind = cost_kind::service) {
    cost_rate c;
    c.sector = sector;
    c.kind = kind;
    c.monthly = amount;
    return c;
}
transition to(const char* name, double rate) { return transition{name, rate, 0.0}; }
}  // namespace

scenario ladder_scenario(std::uint32_t families) {
    scenario sc;
    sc.name = "ladder";
    sc.horizon_months = 120.0;
    sc.families = families;
    sc.sectors = {"employment", "adults", "children"};

    track adult;
    adult.name = "adult";
    adult.members = {0.0, 1.0};
    adult.initial = {0.40, 0.35, 0.25, 0.0};
    const auto benefit = [] { return monthly("employment", 15000.0, cost_kind::transfer); };
    adult.states = {
        state{"S1", {to("S2", 0.06)}, std::nullopt, {benefit(), monthly("adults", 5000.0)}},
        state{"S2", {to("S1", 0.02), to("S3", 0.08)}, std::nullopt, {benefit()}},
        state{"S3", {to("S2", 0.02), to("JOB", 0.10)}, std::nullopt, {benefit()}},
        state{"JOB", {to("S3", 0.01)}, std::nullopt, {}},
    };

    track child;
    child.name = "child";
    child.members = {0.0, 1.0};
    child.initial = {0.50, 0.40, 0.10};
    child.states = {
        state{"NONE", {to("PREVENTIVE", 0.01)}, std::nullopt, {}},
        state{"PREVENTIVE", {to("NONE", 0.04), to("PLACEMENT", 0.01)}, std::nullopt, {monthly("children", 8000.0)}},
        state{"PLACEMENT", {to("PREVENTIVE", 0.03)}, std::nullopt, {monthly("children", 60000.0)}},
    };
    sc.tracks = {adult, child};

    intervention mentor;
    mentor.name = "mentor";
    mentor.track = "adult";
    mentor.request_on_entry = {"S2"};
    mentor.ends_on_entry = {"S1"};
    mentor.duration = sojourn::exponential(1.0 / 6.0);
    mentor.capacity = std::max<std::uint32_t>(1, families / 20);
    mentor.costs = {monthly("adults", 10000.0)};
    mentor.effects = {effect{"adult", "S2", "S3", 1.5}};
    sc.interventions = {mentor};
    sc.select.min_sectors = 99;  // no family is selected: the ladder has one arm's worth of logic
    return sc;
}

std::vector<double> ladder_costs_per_family(const model& m, const arm_result& r) {
    const std::size_t years = r.costs.months() / 12;
    std::vector<double> out(years * 3, 0.0);
    const auto n = static_cast<double>(r.families);
    for (std::size_t line = 0; line < m.lines.size(); ++line) {
        if (m.lines[line].group != treatment::usual) continue;
        const std::uint32_t sector = m.lines[line].payer;
        for (std::size_t month = 0; month < years * 12; ++month) out[(month / 12) * 3 + sector] += r.costs.at(line, month) / n;
    }
    return out;
}

}  // namespace tvaer
