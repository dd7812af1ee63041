#include "tvaer/document.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "document_impl.hpp"

namespace tvaer {

namespace {

constexpr std::string_view override_tag = "\x1foverride#";

bool plain_name(const std::string& name) {
    return !name.empty() && name.find_first_of(".[] \t\"'") == std::string::npos;
}

bool is_index(std::string_view part) {
    if (part.empty()) return false;
    const std::size_t start = part[0] == '-' ? 1 : 0;
    return start < part.size() &&
           std::all_of(part.begin() + static_cast<std::ptrdiff_t>(start), part.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One step of a key path: a table key, or a list item by index or by name.
struct step {
    std::string text;     // as written (a key, a name, or digits)
    bool bracket = false; // written as [i]
};

// Splits `a.b[2].c` into a, b, [2], c; a dotted part of digits is an index on a list; a part in
// double quotes is one key, dots and all (`uncertain."interventions.mentor.capacity"`).
std::vector<step> split(std::string_view path) {
    std::vector<step> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) out.push_back({cur, false});
        cur.clear();
    };
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '.') {
            flush();
        } else if (c == '"' && cur.empty()) {
            const std::size_t close = path.find('"', i + 1);
            if (close == std::string_view::npos) return {};
            out.push_back({std::string(path.substr(i + 1, close - i - 1)), false});
            i = close;
        } else if (c == '[') {
            flush();
            const std::size_t close = path.find(']', i);
            if (close == std::string_view::npos) return {};
            out.push_back({std::string(path.substr(i + 1, close - i - 1)), true});
            i = close;
        } else {
            cur += c;
        }
    }
    flush();
    return out;
}

const std::string* item_name(const toml::node& item) {
    if (const auto* t = item.as_table()) {
        if (const auto* n = t->get_as<std::string>("name")) return &n->get();
    }
    return nullptr;
}

// The item of `list` that `s` names (an index, or the item's name), or npos.
std::size_t find_item(const toml::array& list, const step& s) {
    if (is_index(s.text)) {
        long long i = 0;
        std::from_chars(s.text.data(), s.text.data() + s.text.size(), i);
        const auto n = static_cast<long long>(list.size());
        if (i < 0) i += n;
        return i >= 0 && i < n ? static_cast<std::size_t>(i) : std::string::npos;
    }
    if (s.bracket) return std::string::npos;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string* name = item_name(list[i]);
        if (name != nullptr && *name == s.text) return i;
    }
    return std::string::npos;
}

// True if key path `inner` is `outer` or inside it.
bool within(std::string_view inner, std::string_view outer) {
    if (outer.empty()) return true;
    if (inner.substr(0, outer.size()) != outer) return false;
    return inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
}

std::string type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table: return "table";
        case toml::node_type::array: return "list";
        default: return "value";
    }
}

void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                else out += c;
        }
    }
    out += '"';
}

void json_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "Infinity" : "-Infinity";
    } else {
        std::string s = fmt::format("{}", v);  // shortest text that reads back as v
        if (s.find_first_of(".e") == std::string::npos) s += ".0";
        out += s;
    }
}

void json_value(std::string& out, const toml::node& n) {
    if (const auto* t = n.as_table()) {
        const auto items = document::impl::written_order(*t);
        out += '{';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i > 0) out += ", ";
            json_string(out, items[i].first->str());
            out += ": ";
            json_value(out, *items[i].second);
        }
        out += '}';
    } else if (const auto* a = n.as_array()) {
        out += '[';
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (i > 0) out += ", ";
            json_value(out, (*a)[i]);
        }
        out += ']';
    } else if (const auto* s = n.as_string()) {
        json_string(out, s->get());
    } else if (const auto* i = n.as_integer()) {
        out += std::to_string(i->get());
    } else if (const auto* f = n.as_floating_point()) {
        json_number(out, f->get());
    } else if (const auto* b = n.as_boolean()) {
        out += b->get() ? "true" : "false";
    } else {
        std::ostringstream text;  // dates and times, as TOML writes them
        n.visit([&](auto&& v) { text << v; });
        json_string(out, text.str());
    }
}

}  // namespace

std::string item_path(const std::string& base, const std::string& name, std::size_t index) {
    return plain_name(name) ? base + "." + name : fmt::format("{}[{}]", base, index);
}

std::string document::impl::item_key(const std::string& base, const toml::array& list, std::size_t index) {
    const std::string* name = item_name(list[index]);
    // A name shared by two items cannot say which one: use the index.
    if (name != nullptr) {
        for (std::size_t j = 0; j < list.size(); ++j) {
            const std::string* other = item_name(list[j]);
            if (j != index && other != nullptr && *other == *name) return fmt::format("{}[{}]", base, index);
        }
    }
    return item_path(base, name != nullptr ? *name : std::string(), index);
}

std::vector<std::pair<const toml::key*, const toml::node*>> document::impl::written_order(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> items;
    for (auto&& [name, value] : t) items.emplace_back(&name, &value);
    std::stable_sort(items.begin(), items.end(), [](const auto& x, const auto& y) {
        const auto& sx = x.first->source().begin;
        const auto& sy = y.first->source().begin;
        if ((sx.line > 0) != (sy.line > 0)) return sx.line > 0;
        return std::pair(sx.line, sx.column) < std::pair(sy.line, sy.column);
    });
    return items;
}

bool document::impl::from_override(const toml::node& n) const {
    const auto& p = n.source().path;
    return p && std::string_view(*p).substr(0, override_tag.size()) == override_tag;
}

document::document(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
document::document(document&&) noexcept = default;
document& document::operator=(document&&) noexcept = default;
document::~document() = default;

document document::parse(std::string_view text, std::string source, bool positions) {
    auto p = std::make_unique<impl>();
    p->source = std::move(source);
    p->positions = positions;
    p->text = std::string(text);
    try {
        p->root = toml::parse(text, std::string_view(p->source));
    } catch (const toml::parse_error& e) {
        origin at{p->source, positions ? e.source().begin.line : 0u, positions ? e.source().begin.column : 0u, {}};
        throw scenario_error("", fmt::format("not valid TOML: {}", e.description()), at);
    }
    return document(std::move(p));
}

document document::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw scenario_error("", fmt::format("cannot read the scenario file: {}", std::strerror(errno)),
                             origin{file.string(), 0, 0, {}});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string(), true);
}

void document::set(std::string_view path, std::string_view value_toml) {
    const std::string written(path);
    const origin blame{impl_->source, 0, 0, written};
    const std::vector<step> steps = split(path);
    if (steps.empty()) throw scenario_error(written, "not a key path (write keys joined by dots, e.g. selection.capacity)", blame);
    toml::table snippet;
    try {
        snippet = toml::parse(value_toml, std::string_view(std::string(override_tag) + written));
    } catch (const toml::parse_error& e) {
        throw scenario_error(written, fmt::format("the new value is not valid TOML: {}", e.description()), blame);
    }
    toml::node* value = snippet.get("v");
    if (value == nullptr || snippet.size() != 1) throw scenario_error(written, "the new value must be given as 'v = ...'", blame);

    toml::node* node = &impl_->root;
    std::string canonical;
    std::vector<std::pair<std::string, std::size_t>> route;  // table key, or list index (key empty)
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const bool last = i + 1 == steps.size();
        const step& s = steps[i];
        const std::string where = canonical.empty() ? s.text : canonical + (s.bracket ? "[" + s.text + "]" : "." + s.text);
        if (auto* list = node->as_array()) {
            const std::size_t k = find_item(*list, s);
            if (k == std::string::npos) {
                throw scenario_error(where, fmt::format("no item '{}' in this list (give an index or a name)", s.text), blame);
            }
            canonical = impl::item_key(canonical, *list, k);
            route.emplace_back(std::string(), k);
            if (last) list->replace(list->cbegin() + static_cast<std::ptrdiff_t>(k), std::move(*value));
            else node = &(*list)[k];
        } else if (auto* table = node->as_table(); table != nullptr && !s.bracket) {
            canonical = canonical.empty() ? s.text : canonical + "." + s.text;
            route.emplace_back(s.text, 0);
            if (last) {
                table->insert_or_assign(s.text, std::move(*value));
            } else {
                if (!table->contains(s.text)) table->insert(s.text, toml::table{});
                node = table->get(s.text);
            }
        } else {
            throw scenario_error(where, fmt::format("cannot set '{}' inside a {}", written, type_name(*node)), blame);
        }
    }
    // The key path of what was set, spelt after the change (a renamed item is named by its new
    // name, or by index when the new name is not unique), so that errors find the override.
    canonical.clear();
    const toml::node* at = &impl_->root;
    for (const auto& [key, index] : route) {
        if (key.empty()) {
            const auto& list = *at->as_array();
            canonical = impl::item_key(canonical, list, index);
            at = &list[index];
        } else {
            canonical = canonical.empty() ? key : canonical + "." + key;
            at = at->as_table()->get(key);
        }
    }
    impl_->overrides.push_back({written, canonical});
}

const std::string& document::source() const noexcept { return impl_->source; }
const std::string& document::text() const noexcept { return impl_->text; }

const toml::node& document::impl::find(std::string_view path, bool& found) const {
    const toml::node* node = &root;
    found = true;
    for (const step& s : split(path)) {
        const toml::node* next = nullptr;
        if (const auto* list = node->as_array()) {
            const std::size_t k = find_item(*list, s);
            if (k != std::string::npos) next = &(*list)[k];
        } else if (const auto* table = node->as_table(); table != nullptr && !s.bracket) {
            next = table->get(s.text);
        }
        if (next == nullptr) {
            found = false;
            break;
        }
        node = next;
    }
    return *node;
}
const std::vector<override_record>& document::overrides() const noexcept { return impl_->overrides; }

origin document::locate(std::string_view key_path) const {
    for (auto it = impl_->overrides.rbegin(); it != impl_->overrides.rend(); ++it) {
        if (within(key_path, it->canonical) || within(it->canonical, key_path)) return {impl_->source, 0, 0, it->path};
    }
    bool found = false;
    const toml::node& node = impl_->find(key_path, found);  // or the deepest node on the path
    const auto& at = node.source().begin;
    if (!impl_->positions || impl_->from_override(node) || at.line == 0) return {impl_->source, 0, 0, {}};
    return {impl_->source, at.line, at.column, {}};
}

scenario_error document::locate(const scenario_error& e) const {
    return scenario_error(e.key_path(), e.message(), locate(e.key_path()));
}

std::string document::to_json() const {
    std::string out;
    json_value(out, impl_->root);
    return out;
}

std::string document::to_json(std::string_view path) const {
    bool found = false;
    const toml::node& node = impl_->find(path, found);
    if (!found || split(path).empty()) throw scenario_error(std::string(path), "the scenario has no value at this key path");
    std::string out;
    json_value(out, node);
    return out;
}

}  // namespace tvaer
