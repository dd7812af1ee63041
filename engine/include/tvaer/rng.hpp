#pragma once
/// Keyed, counter-based random streams.
///
/// Every draw is a pure function of (master seed, replication, family, member, purpose,
/// occurrence, index within the occurrence). Nothing is carried between draws, so results do
/// not depend on thread count, on the order families are processed, or on which machine runs a
/// replication, and two arms (or two scenarios) that ask for the same key get the same number:
/// that is what common random numbers rest on. See docs/design.md, "random streams".
///
/// The mixing function is SplitMix64's finaliser (Steele, Lea and Flood 2014). A key is hashed
/// one word at a time, h' = mix(h + gamma + word * M) with an odd M (a bijection of the word), and
/// a draw's last two words (purpose, occurrence) in one step; the stream is then a Weyl sequence
/// through the same mixer. `stream` models Boost.Random's UniformRandomNumberGenerator, so
/// Boost.Random distributions draw from it. Why one mix per word is enough: docs/design.md,
/// "Keyed, counter-based random streams".
#include <bit>
#include <cstdint>
#include <limits>
#include <string_view>

namespace tvaer {

namespace detail {
constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;
// Odd multipliers that spread a key word over 64 bits before it is mixed: word * M is a bijection,
// so two keys that differ in one word never meet before the mixer, and consecutive words (family
// i, i + 1; occurrence k, k + 1) enter it as a Weyl sequence of step M, which is what SplitMix64's
// finaliser is built to scramble. Both pass SplitMix64's test for a good step (odd, at least 24
// bit changes between neighbouring bits), checked below.
constexpr std::uint64_t word_multiplier = 0xd1342543de82ef95ULL;
constexpr std::uint64_t occurrence_multiplier = 0xaf251af3b0f025b5ULL;
constexpr bool good_step(std::uint64_t m) { return (m & 1) == 1 && std::popcount(m ^ (m >> 1)) >= 24; }
static_assert(good_step(golden_gamma) && good_step(word_multiplier) && good_step(occurrence_multiplier));

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Folds one more word into a running key hash (order matters).
constexpr std::uint64_t combine(std::uint64_t h, std::uint64_t word) noexcept {
    return mix64(h + golden_gamma + word * word_multiplier);
}
/// Folds a draw's purpose and occurrence into a key hash in one step.
constexpr std::uint64_t combine_draw(std::uint64_t h, std::uint64_t purpose, std::uint64_t occurrence) noexcept {
    return mix64(h + golden_gamma + purpose * word_multiplier + occurrence * occurrence_multiplier);
}
}  // namespace detail

/// A purpose is a stable 64-bit name: FNV-1a of a string, so adding an unrelated intervention
/// to a scenario never shifts another one's draws (indices would).
constexpr std::uint64_t purpose_id(std::string_view name) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/// Family and member share one key word, the family in its high 32 bits: a bijection for
/// families and members below 2^32, so it saves a mix without merging two keys.
constexpr std::uint64_t family_member(std::uint64_t family, std::uint64_t member) noexcept {
    return (family << 32) | member;
}

/// The key of a family of streams within one replication. Family and member are below 2^32.
struct stream_key {
    std::uint64_t seed = 0;
    std::uint64_t replication = 0;
    std::uint64_t family = 0;
    std::uint64_t member = 0;
    std::uint64_t purpose = 0;

    [[nodiscard]] constexpr std::uint64_t hash(std::uint64_t occurrence) const noexcept;
};

/// The hash of a key's leading words, extended one word at a time, for hot loops that share a
/// prefix (seed and replication; a member's family and place in it): for every key,
/// `key_hash::start(seed).then(replication).then(family_member(family, member)).draw(purpose,
/// occurrence) == stream_key{...}.hash(occurrence)`.
struct key_hash {
    std::uint64_t value = 0;

    static constexpr key_hash start(std::uint64_t seed) noexcept {
        return {detail::mix64(seed ^ 0x7476616572ULL)};  // "tvaer"
    }
    [[nodiscard]] constexpr key_hash then(std::uint64_t word) const noexcept {
        return {detail::combine(value, word)};
    }
    /// The whole key's hash: the prefix with a draw's purpose and occurrence.
    [[nodiscard]] constexpr std::uint64_t draw(std::uint64_t purpose, std::uint64_t occurrence) const noexcept {
        return detail::combine_draw(value, purpose, occurrence);
    }
};

constexpr std::uint64_t stream_key::hash(std::uint64_t occurrence) const noexcept {
    return key_hash::start(seed).then(replication).then(family_member(family, member)).draw(purpose, occurrence);
}

/// One stream: the draws of one key at one occurrence. Satisfies Boost.Random's
/// UniformRandomNumberGenerator (result_type, min, max, operator()).
class stream {
public:
    using result_type = std::uint64_t;
    constexpr stream(const stream_key& key, std::uint64_t occurrence) noexcept
        : state_(key.hash(occurrence)) {}
    constexpr explicit stream(std::uint64_t hashed_key) noexcept : state_(hashed_key) {}

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    constexpr result_type operator()() noexcept {
        state_ += detail::golden_gamma;
        return detail::mix64(state_);
    }
    /// Skips n numbers (Boost.Random's engine `discard`): a Weyl step each, nothing to mix.
    constexpr void discard(std::uint64_t n) noexcept { state_ += n * detail::golden_gamma; }
    /// A uniform double in the open interval (0, 1): never 0, so log(u) is finite.
    constexpr double uniform() noexcept {
        return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53;
    }

private:
    std::uint64_t state_;
};

}  // namespace tvaer
