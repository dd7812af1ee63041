#pragma once
/// A scenario document: the TOML a planner wrote, plus the changes made to it in code.
///
/// The engine reads scenario files itself (toml++, which keeps the line and column of every
/// value), so that an error can say where the bad value is: `FILE:LINE:COL: key.path: message`.
/// Changes made in code (`Scenario.with_` in Python, `set` here) are recorded as overrides, and an
/// error in a value an override wrote names the override instead of the file.
///
/// Key paths are spelt as the planner wrote them: table keys joined by dots, and list items by
/// their `name` where they have one, else by index: `tracks.adult.states.job.duration`,
/// `tracks.adult.states.out.transitions[0].rate`. `set` and `locate` accept the same spelling,
/// an index as a dotted part (`transitions.0.rate`), and a key with dots in double quotes
/// (`uncertain."interventions.mentor.capacity"`).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tvaer/error.hpp"

namespace tvaer {

/// One override, as written and as the canonical key path it resolved to.
struct override_record {
    std::string path;       ///< as the caller wrote it
    std::string canonical;  ///< the key path it set, in the planner's spelling
};

class document {
public:
    /// Parses TOML text; `source` names it in errors. With `positions` false the text was
    /// generated from data (Python's `Scenario(dict)`), and errors name `source` without line
    /// and column. Throws scenario_error (`FILE:LINE:COL: not valid TOML: ...`).
    static document parse(std::string_view text, std::string source, bool positions = true);
    /// Reads and parses a file. Throws scenario_error if it cannot be read or parsed.
    static document load(const std::filesystem::path& file);

    document(document&&) noexcept;
    document& operator=(document&&) noexcept;
    ~document();

    /// Sets the value at key `path` to the value of key `v` in the TOML text `value_toml`
    /// (Python writes it with tomli_w: `v = 3`, or `[v]` and its keys for a table). Creates
    /// missing tables; a list item must exist. Throws scenario_error naming the override.
    void set(std::string_view path, std::string_view value_toml);

    /// The scenario file (or the name given to `parse`).
    [[nodiscard]] const std::string& source() const noexcept;
    /// The text as parsed (before overrides).
    [[nodiscard]] const std::string& text() const noexcept;
    [[nodiscard]] const std::vector<override_record>& overrides() const noexcept;

    /// Where the value at canonical key path `key_path` came from: the override that wrote it
    /// (or wrote something inside it), else the position of the value, or of its nearest
    /// enclosing table when the key is missing.
    [[nodiscard]] origin locate(std::string_view key_path) const;

    /// `e` again, with the origin of its key path.
    [[nodiscard]] scenario_error locate(const scenario_error& e) const;

    /// Runs `f()`; a scenario_error it throws without an origin is rethrown naming the origin
    /// of its key path (for checks made on the scenario's data, e.g. validate and compile).
    template <class F>
    decltype(auto) located(F&& f) const {
        try {
            return f();
        } catch (const scenario_error& e) {
            if (!e.where().file.empty() || !e.where().override_path.empty()) throw;
            throw locate(e);
        }
    }

    /// The document as JSON text, tables in the order their keys were written (so that lists
    /// given as tables, such as benefit shares, keep their order); inf and nan as `Infinity` and
    /// `NaN` (Python's json reads them).
    [[nodiscard]] std::string to_json() const;
    /// The value at key path `path` as JSON; throws scenario_error if there is none.
    [[nodiscard]] std::string to_json(std::string_view path) const;

    struct impl;
    [[nodiscard]] const impl& internals() const noexcept { return *impl_; }

private:
    explicit document(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

/// A key path for item `index` of list `base`: `base.name` when the item has a plain name (no
/// dots, brackets or spaces), else `base[index]`. The one rule behind every key path of a list
/// item, in errors and in the overrides' canonical paths.
std::string item_path(const std::string& base, const std::string& name, std::size_t index);

}  // namespace tvaer
