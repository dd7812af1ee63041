#pragma once
// Reading one table of a scenario document with its key path: typed values, defaults, required
// keys and unknown keys. Every error is a scenario_error naming the key path as the planner wrote
// it and the origin of the value (document::locate): `FILE:LINE:COL: key.path: what is wrong`.
//
// Unknown keys are reported before missing required ones (a misspelt `horizon_month` says so,
// with the closest known key), so a required key that is missing is only recorded when read and
// reported by done().
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "document_impl.hpp"

namespace tvaer::detail {

/// "must be one of A, B; got 'x'", with the closest choice when `got` looks like a typo of it.
std::string choice_message(const std::string& got, const std::vector<std::string_view>& names);

class reader {
public:
    /// The document's top-level table.
    explicit reader(const document& doc);
    reader(const document& doc, const toml::node* table, std::string path);

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// The key path of key `k` of this table.
    [[nodiscard]] std::string key(std::string_view k) const;
    [[nodiscard]] bool has(std::string_view k) const;
    /// Marks `k` as a known key of this table (so it shows in "expected one of") and says whether
    /// it is present: for optional keys read only when given.
    bool present(std::string_view k);

    // Typed values. Each marks `k` as known; a missing key gives the fallback, or, for the
    // overloads without one, is recorded as missing (reported by done()) and gives a zero value.
    double number(std::string_view k, double fallback);
    double number(std::string_view k);
    /// An integer in [0, max] (the engine's field width).
    std::uint32_t count(std::string_view k, std::uint32_t fallback, std::uint32_t max = 0xffffffffu);
    std::uint32_t count(std::string_view k);
    bool boolean(std::string_view k, bool fallback);
    std::string string(std::string_view k, std::string fallback);
    std::string string(std::string_view k);
    std::vector<std::string> strings(std::string_view k);
    std::vector<std::string> required_strings(std::string_view k);
    std::vector<double> numbers(std::string_view k);
    std::vector<double> required_numbers(std::string_view k);
    /// A table of numbers, in the order its keys were written.
    std::vector<std::pair<std::string, double>> number_table(std::string_view k);
    /// A list of lists of numbers (e.g. one coalition table per year).
    std::vector<std::vector<double>> number_lists(std::string_view k);
    /// A table of lists of numbers, in the order its keys were written.
    std::vector<std::pair<std::string, std::vector<double>>> number_list_table(std::string_view k);
    /// One of `choices` (name -> value); a missing key gives `fallback`.
    template <class E>
    E choice(std::string_view k, std::initializer_list<std::pair<std::string_view, E>> choices, E fallback);
    /// One of `choices` or a list of them, in the order written (duplicates are left to the
    /// scenario's checks); a missing key gives `fallback`.
    template <class E>
    std::vector<E> choices(std::string_view k, std::initializer_list<std::pair<std::string_view, E>> choices,
                           std::vector<E> fallback);

    /// The sub-table at `k` (an empty one when missing).
    reader table(std::string_view k);
    /// The sub-table at `k`, recorded as missing (and empty) when absent.
    reader required_table(std::string_view k);
    /// The list of tables at `k`, each with its key path (by name where it has one).
    std::vector<reader> tables(std::string_view k, bool required = false);
    /// Records `k` as missing (reported by done()) if it is absent; `expected` says what it is.
    void require(std::string_view k, std::string_view expected);
    /// Marks `k` as known without reading it (read elsewhere, e.g. by Python).
    void skip(std::string_view k, const char* expected);

    /// Throws for the first unknown key (with the closest known one), then for the first missing
    /// required key.
    void done() const;

    /// Throws scenario_error at `key_path` with the origin of that key.
    [[noreturn]] void fail(const std::string& key_path, const std::string& message) const;

private:
    const toml::node* get(std::string_view k);
    /// The numbers of list `a` at key path `where`.
    std::vector<double> numbers_of(const toml::node& n, const std::string& where) const;
    [[noreturn]] void wrong_type(std::string_view k, const toml::node& n, std::string_view expected) const;
    void missing(std::string_view k, std::string_view expected);

    const document* doc_;
    const toml::table* table_;
    std::string path_;
    std::set<std::string, std::less<>> known_;
    std::optional<std::pair<std::string, std::string>> missing_;  ///< first missing key, what was expected
};

template <class E>
E reader::choice(std::string_view k, std::initializer_list<std::pair<std::string_view, E>> choices, E fallback) {
    if (!has(k)) {
        known_.emplace(k);
        return fallback;
    }
    const std::string got = string(k);
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) {
        if (name == got) return value;
        names.push_back(name);
    }
    fail(key(k), choice_message(got, names));
}

template <class E>
std::vector<E> reader::choices(std::string_view k, std::initializer_list<std::pair<std::string_view, E>> choices,
                               std::vector<E> fallback) {
    const toml::node* n = get(k);
    if (n == nullptr) return fallback;
    if (n->is_string()) return {choice(k, choices, fallback.front())};
    if (!n->is_array()) wrong_type(k, *n, "string or list of strings");
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) names.push_back(name);
    std::vector<E> out;
    const std::vector<std::string> got = strings(k);
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto it = std::find(names.begin(), names.end(), got[i]);
        if (it == names.end()) fail(fmt::format("{}[{}]", key(k), i), choice_message(got[i], names));
        out.push_back(std::data(choices)[it - names.begin()].second);
    }
    return out;
}

/// A description of a TOML value for messages: `string "abc"`, `integer 5`, `a table`.
std::string describe(const toml::node& n);

/// The known name closest to `name` by edit distance, if it is close enough to be a typo.
std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& known);

}  // namespace tvaer::detail
