#pragma once
// The inside of tvaer::document (document.hpp): the parsed TOML tree and where it came from.
// Only the engine's scenario readers see toml++.
#include <toml++/toml.h>

#include "tvaer/document.hpp"

namespace tvaer {

struct document::impl {
    toml::table root;
    std::string source;
    std::string text;
    bool positions = true;  ///< false: the text was generated from data; its positions mean nothing
    std::vector<override_record> overrides;

    /// True if `n` was written by an override (its source is an override snippet).
    [[nodiscard]] bool from_override(const toml::node& n) const;
    /// The key path of item `index` of `list` at `base`: by its name when it has a unique plain
    /// one, else by index (item_path).
    static std::string item_key(const std::string& base, const toml::array& list, std::size_t index);
    /// The entries of table `t` in the order they were written (toml++ keeps keys sorted); keys
    /// set in code (no position) after them, in sorted order.
    static std::vector<std::pair<const toml::key*, const toml::node*>> written_order(const toml::table& t);
    /// The node at key path `path`, or the deepest node on it that exists (`found` false).
    const toml::node& find(std::string_view path, bool& found) const;
};

}  // namespace tvaer
