// Ages of family members: band labels, the tracks' age distributions, selection's age bands and
// quotas (ages.hpp).
#include "tvaer/ages.hpp"

#include <charconv>

#include "scenario_checks.hpp"
#include "tvaer/scenario.hpp"

namespace tvaer {

namespace {

// A whole number of years in [0, 150] spelt with digits only; false otherwise.
bool parse_years(std::string_view text, int& years) {
    if (text.empty() || text.size() > 3) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), years);
    return ec == std::errc{} && end == text.data() + text.size() && years <= 150;
}

}  // namespace

age_band parse_age_band(const std::string& label, const std::string& where) {
    const auto dash = label.find('-');
    int lo = 0;
    int hi = 0;
    const bool ok = dash != std::string::npos && parse_years(std::string_view(label).substr(0, dash), lo) &&
                    parse_years(std::string_view(label).substr(dash + 1), hi);
    detail::require(ok, where, fmt::format("must be an age band 'a-b' in whole years 0-150 (e.g. '15-23'), got '{}'", label));
    detail::require(lo <= hi, where, fmt::format("the band's first age must not exceed its last, got '{}'", label));
    return {static_cast<double>(lo), static_cast<double>(hi) + 1.0};
}

namespace detail {

namespace {

// Parses the labels (key paths from `where(i)`) and checks that no two overlap.
std::vector<age_band> parse_disjoint(const std::vector<std::string>& labels, const std::function<std::string(std::size_t)>& where) {
    std::vector<age_band> bands;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const age_band b = parse_age_band(labels[i], where(i));
        for (std::size_t j = 0; j < i; ++j) {
            require(!b.overlaps(bands[j]), where(i), fmt::format("overlaps the band '{}'", labels[j]));
        }
        bands.push_back(b);
    }
    return bands;
}

// The ages the tracks' members can have within the horizon ("child 0-17, ..." for messages);
// false if no track has ages.
bool reachable(const scenario& sc, const age_band& b, std::string& tracks_with_ages) {
    bool any = false;
    for (const auto& t : sc.tracks) {
        if (t.age_bands.empty()) continue;
        double lo = 1e9;
        double hi = 0.0;
        for (const auto& label : t.age_bands) {
            const age_band a = parse_age_band(label, "");
            lo = std::min(lo, a.lo);
            hi = std::max(hi, a.hi);
        }
        tracks_with_ages += fmt::format("{}{} {}-{}", tracks_with_ages.empty() ? "" : ", ", t.name, lo, hi - 1.0);
        any = any || b.overlaps({lo, hi + sc.horizon_months / 12.0});
    }
    return any;
}

// A selection band must be an age some member can have within the horizon.
void require_reachable(const scenario& sc, const std::vector<age_band>& bands, const std::vector<std::string>& labels,
                       const std::function<std::string(std::size_t)>& where) {
    for (std::size_t i = 0; i < bands.size(); ++i) {
        std::string tracks;
        const bool ok = reachable(sc, bands[i], tracks);
        require(!tracks.empty(), where(i), "no track has ages (give the tracks whose members it means an `ages` table)");
        require(ok, where(i), fmt::format("no member can be aged {} within the horizon (ages at entry: {}; members age "
                                          "over the {}-month horizon)", labels[i], tracks, sc.horizon_months));
    }
}

void validate_track_ages(const track& t, const std::string& w) {
    if (t.age_bands.empty()) return;
    const auto path = [&](std::size_t i) { return w + ".ages." + t.age_bands[i]; };
    (void)parse_disjoint(t.age_bands, path);
    require_sums_to_one(t.age_shares, w + ".ages", path);
}

void validate_quota(const scenario& sc) {
    const selection& sel = sc.select;
    if (sel.quota.empty()) return;
    std::vector<std::string> labels;
    double sum = 0.0;
    for (const auto& [label, share] : sel.quota) {
        labels.push_back(label);
        require_share(share, "selection.quota." + label);
        sum += share;
    }
    const auto path = [&](std::size_t i) { return "selection.quota." + labels[i]; };
    require(labels.size() <= 8, "selection.quota", fmt::format("at most 8 groups, got {}", labels.size()));
    const auto bands = parse_disjoint(labels, path);
    require(sum <= 1.0 + 1e-9, "selection.quota", fmt::format("the reserved shares must sum to at most 1, got {}", sum));
    require(sel.capacity > 0 || !sel.capacity_by_year.empty(), "selection.quota",
            "needs a number of places (selection.capacity or capacity_by_year): with unlimited places nothing is reserved");
    require_reachable(sc, bands, labels, path);
}

}  // namespace

void validate_ages(const scenario& sc) {
    for (std::size_t i = 0; i < sc.tracks.size(); ++i) validate_track_ages(sc.tracks[i], item_path("tracks", sc.tracks[i].name, i));
    const auto& labels = sc.select.age_bands;
    const auto path = [](std::size_t i) { return at("selection.age_bands", i); };
    require_reachable(sc, parse_disjoint(labels, path), labels, path);
    validate_quota(sc);
}

double compiled_ages::sample(stream& s) const {
    const age_band& b = bands[std::min<std::size_t>(static_cast<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), s.uniform()) - cdf.begin()), bands.size() - 1)];
    return b.lo + (b.hi - b.lo) * s.uniform();
}

compiled_ages compile_ages(const std::vector<std::string>& labels, const std::vector<double>& shares) {
    compiled_ages out;
    double acc = 0.0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        out.bands.push_back(parse_age_band(labels[i], labels[i]));
        acc += shares[i];
        out.cdf.push_back(acc);
    }
    return out;
}

std::uint32_t reserved_places(double share, std::uint32_t places) noexcept {
    return static_cast<std::uint32_t>(std::floor(share * static_cast<double>(places) + 0.5));
}

}  // namespace detail
}  // namespace tvaer
