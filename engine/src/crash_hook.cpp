// The results writer's test crash hook (crash_hook.hpp).
#include "crash_hook.hpp"

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <stdexcept>

namespace tvaer::detail::crash_hook {

namespace {

constexpr const char* variable = "TVAER_TEST_CRASH_AT";

struct named {
    std::string_view name;
    stage at;
};
constexpr named stages[] = {{"committed", stage::committed},
                            {"journaled", stage::journaled},
                            {"extending", stage::extending},
                            {"appended", stage::appended}};

std::atomic<std::uint64_t> arrivals{0};

}  // namespace

std::optional<plan> parse(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const auto colon = text.find(':');
    const auto name = text.substr(0, colon);
    const auto count = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    plan p;
    const auto [end, err] = std::from_chars(count.data(), count.data() + count.size(), p.n);
    bool known = false;
    for (const auto& s : stages) {
        if (s.name == name) p.at = s.at, known = true;
    }
    if (!known || count.empty() || err != std::errc{} || end != count.data() + count.size() || p.n < 1) {
        throw std::invalid_argument(fmt::format("{}: expected <stage>:<n> with <stage> one of committed, journaled, "
                                                "extending, appended and <n> an integer >= 1, got '{}'",
                                                variable, text));
    }
    return p;
}

const std::optional<plan>& planned() {
    static const std::optional<plan> p = [] {
        const char* text = std::getenv(variable);
        return parse(text == nullptr ? std::string_view{} : std::string_view{text});
    }();
    return p;
}

bool due(stage s) {
    const auto& p = planned();
    return p && p->at == s && ++arrivals == p->n;
}

void die() {
    std::raise(SIGKILL);
    std::abort();  // not reached: SIGKILL cannot be caught
}

}  // namespace tvaer::detail::crash_hook
