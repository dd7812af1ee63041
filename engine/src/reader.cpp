#include "reader.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace tvaer::detail {

namespace {

const toml::table& empty_table() {
    static const toml::table empty;
    return empty;
}

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string with_article(std::string_view expected) {
    const bool vowel = !expected.empty() && std::string_view("aeiou").find(expected[0]) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", expected);
}

std::optional<double> as_number(const toml::node& n) {
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    return std::nullopt;
}

}  // namespace

std::string describe(const toml::node& n) {
    if (const auto* s = n.as_string()) return fmt::format("string \"{}\"", s->get());
    if (const auto* i = n.as_integer()) return fmt::format("integer {}", i->get());
    if (const auto* f = n.as_floating_point()) return fmt::format("number {}", f->get());
    if (const auto* b = n.as_boolean()) return fmt::format("boolean {}", b->get());
    if (n.is_table()) return "a table";
    if (n.is_array()) return "a list";
    return "a date or time";
}

std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& known) {
    std::optional<std::string> best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const auto& k : known) {
        const std::size_t d = edit_distance(name, k);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best;
}

reader::reader(const document& doc) : reader(doc, &doc.internals().root, "") {}

reader::reader(const document& doc, const toml::node* table, std::string path)
    : doc_(&doc), table_(table != nullptr ? table->as_table() : &empty_table()), path_(std::move(path)) {
    if (table_ == nullptr) fail(path_, fmt::format("must be a table, got {}", describe(*table)));
}

std::string reader::key(std::string_view k) const { return path_.empty() ? std::string(k) : fmt::format("{}.{}", path_, k); }

bool reader::has(std::string_view k) const { return table_->contains(k); }

bool reader::present(std::string_view k) {
    known_.emplace(k);
    return has(k);
}

const toml::node* reader::get(std::string_view k) {
    known_.emplace(k);
    return table_->get(k);
}

void reader::fail(const std::string& key_path, const std::string& message) const {
    throw scenario_error(key_path, message, doc_->locate(key_path));
}

void reader::wrong_type(std::string_view k, const toml::node& n, std::string_view expected) const {
    fail(key(k), fmt::format("must be {}, got {}", with_article(expected), describe(n)));
}

void reader::require(std::string_view k, std::string_view expected) {
    known_.emplace(k);
    if (!has(k)) missing(k, expected);
}

void reader::missing(std::string_view k, std::string_view expected) {
    if (!missing_) missing_.emplace(std::string(k), std::string(expected));
}

double reader::number(std::string_view k, double fallback) {
    const toml::node* n = get(k);
    if (n == nullptr) return fallback;
    const auto v = as_number(*n);
    if (!v) wrong_type(k, *n, "number");
    return *v;
}

double reader::number(std::string_view k) {
    if (!has(k)) missing(k, "a number");
    return number(k, 0.0);
}

std::uint32_t reader::count(std::string_view k, std::uint32_t fallback, std::uint32_t max) {
    const toml::node* n = get(k);
    if (n == nullptr) return fallback;
    const auto* i = n->as_integer();
    if (i == nullptr) wrong_type(k, *n, fmt::format("integer in [0, {}]", max));
    if (i->get() < 0 || i->get() > static_cast<std::int64_t>(max)) {
        fail(key(k), fmt::format("must be an integer in [0, {}], got {}", max, i->get()));
    }
    return static_cast<std::uint32_t>(i->get());
}

std::uint32_t reader::count(std::string_view k) {
    if (!has(k)) missing(k, "an integer");
    return count(k, 0);
}

bool reader::boolean(std::string_view k, bool fallback) {
    const toml::node* n = get(k);
    if (n == nullptr) return fallback;
    const auto* b = n->as_boolean();
    if (b == nullptr) wrong_type(k, *n, "boolean (true or false)");
    return b->get();
}

std::string reader::string(std::string_view k, std::string fallback) {
    const toml::node* n = get(k);
    if (n == nullptr) return fallback;
    const auto* s = n->as_string();
    if (s == nullptr) wrong_type(k, *n, "string");
    if (s->get().find('\0') != std::string::npos) fail(key(k), "must not contain a NUL character");
    return s->get();
}

std::string reader::string(std::string_view k) {
    if (!has(k)) missing(k, "a string");
    return string(k, {});
}

std::vector<std::string> reader::strings(std::string_view k) {
    const toml::node* n = get(k);
    std::vector<std::string> out;
    if (n == nullptr) return out;
    const auto* a = n->as_array();
    if (a == nullptr) wrong_type(k, *n, "list of strings");
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto* s = (*a)[i].as_string();
        if (s == nullptr) fail(fmt::format("{}[{}]", key(k), i), fmt::format("must be a string, got {}", describe((*a)[i])));
        if (s->get().find('\0') != std::string::npos) fail(fmt::format("{}[{}]", key(k), i), "must not contain a NUL character");
        out.push_back(s->get());
    }
    return out;
}

std::vector<std::string> reader::required_strings(std::string_view k) {
    if (!has(k)) missing(k, "a list of strings");
    return strings(k);
}

std::vector<double> reader::numbers_of(const toml::node& n, const std::string& where) const {
    const auto* a = n.as_array();
    if (a == nullptr) fail(where, fmt::format("must be a list of numbers, got {}", describe(n)));
    std::vector<double> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto v = as_number((*a)[i]);
        if (!v) fail(fmt::format("{}[{}]", where, i), fmt::format("must be a number, got {}", describe((*a)[i])));
        out.push_back(*v);
    }
    return out;
}

std::vector<double> reader::numbers(std::string_view k) {
    const toml::node* n = get(k);
    return n == nullptr ? std::vector<double>{} : numbers_of(*n, key(k));
}

std::vector<double> reader::required_numbers(std::string_view k) {
    if (!has(k)) missing(k, "a list of numbers");
    return numbers(k);
}

std::vector<std::pair<std::string, double>> reader::number_table(std::string_view k) {
    const toml::node* n = get(k);
    std::vector<std::pair<std::string, double>> out;
    if (n == nullptr) return out;
    const auto* t = n->as_table();
    if (t == nullptr) wrong_type(k, *n, "table of numbers");
    for (const auto& [name, value] : document::impl::written_order(*t)) {
        const auto v = as_number(*value);
        if (!v) fail(fmt::format("{}.{}", key(k), name->str()), fmt::format("must be a number, got {}", describe(*value)));
        out.emplace_back(std::string(name->str()), *v);
    }
    return out;
}

std::vector<std::vector<double>> reader::number_lists(std::string_view k) {
    const toml::node* n = get(k);
    std::vector<std::vector<double>> out;
    if (n == nullptr) return out;
    const auto* a = n->as_array();
    if (a == nullptr) wrong_type(k, *n, "list of lists of numbers");
    for (std::size_t i = 0; i < a->size(); ++i) out.push_back(numbers_of((*a)[i], fmt::format("{}[{}]", key(k), i)));
    return out;
}

std::vector<std::pair<std::string, std::vector<double>>> reader::number_list_table(std::string_view k) {
    const toml::node* n = get(k);
    std::vector<std::pair<std::string, std::vector<double>>> out;
    if (n == nullptr) return out;
    const auto* t = n->as_table();
    if (t == nullptr) wrong_type(k, *n, "table of lists of numbers");
    for (const auto& [name, value] : document::impl::written_order(*t)) {
        out.emplace_back(std::string(name->str()), numbers_of(*value, fmt::format("{}.{}", key(k), name->str())));
    }
    return out;
}

std::string choice_message(const std::string& got, const std::vector<std::string_view>& names) {
    std::vector<std::string> known(names.begin(), names.end());
    const auto near = closest(got, known);
    return fmt::format("must be one of {}; got '{}'{}", fmt::join(names, ", "), got,
                       near ? fmt::format(" (did you mean '{}'?)", *near) : std::string());
}

reader reader::table(std::string_view k) {
    const toml::node* n = get(k);
    return reader(*doc_, n, key(k));
}

reader reader::required_table(std::string_view k) {
    if (!has(k)) missing(k, "a table");
    return table(k);
}

std::vector<reader> reader::tables(std::string_view k, bool required) {
    if (required && !has(k)) missing(k, "a list of tables");
    const toml::node* n = get(k);
    std::vector<reader> out;
    if (n == nullptr) return out;
    const auto* a = n->as_array();
    if (a == nullptr) wrong_type(k, *n, "list of tables");
    for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string at = document::impl::item_key(key(k), *a, i);
        if (!(*a)[i].is_table()) fail(at, fmt::format("must be a table, got {}", describe((*a)[i])));
        out.emplace_back(*doc_, &(*a)[i], at);
    }
    return out;
}

void reader::skip(std::string_view k, const char* expected) {
    const toml::node* n = get(k);
    if (n != nullptr && std::string_view(expected) == "table" && !n->is_table()) wrong_type(k, *n, expected);
    if (n != nullptr && std::string_view(expected) == "string" && !n->is_string()) wrong_type(k, *n, expected);
}

void reader::done() const {
    std::vector<std::string> known(known_.begin(), known_.end());
    for (auto&& [k, v] : *table_) {
        if (known_.count(k.str()) != 0) continue;
        const auto near = closest(k.str(), known);
        fail(key(k.str()), near ? fmt::format("unknown key (did you mean '{}'? expected one of: {})", *near, fmt::join(known, ", "))
                                : fmt::format("unknown key (expected one of: {})", fmt::join(known, ", ")));
    }
    if (missing_) fail(key(missing_->first), fmt::format("is required ({})", missing_->second));
}

}  // namespace tvaer::detail
