// The [allocation] table of a scenario: its rules, read into the engine's rule objects
// (allocation.hpp). Layout in docs/allocation.md.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdexcept>

#include "reader.hpp"
#include "tvaer/allocation.hpp"

namespace tvaer {

namespace {

using detail::reader;

// Budget names in one rule table, checked against the scenario's sectors and "solution".
struct budget_names {
    std::vector<std::string> known;

    key shares(reader& r, std::string_view k, bool required = true) const {
        if (required) r.require(k, "a table of shares per budget");
        key out;
        for (const auto& [name, share] : r.number_table(k)) {
            check(r, r.key(k) + "." + name, name, false);
            out[name] = share;
        }
        return out;
    }
    std::vector<std::string> list(reader& r, std::string_view k) const {
        const auto names = r.required_strings(k);
        for (std::size_t i = 0; i < names.size(); ++i) check(r, fmt::format("{}[{}]", r.key(k), i), names[i], true);
        return names;
    }
    void check(const reader& r, const std::string& where, const std::string& name, bool quote) const {
        if (std::find(known.begin(), known.end(), name) != known.end()) return;
        r.fail(where, fmt::format("unknown budget{} (expected one of: {})", quote ? fmt::format(" '{}'", name) : "",
                                  fmt::join(known, ", ")));
    }
};

share_basis basis(reader& r, std::string_view k) {
    return r.choice(k, {{"equal", share_basis::equal}, {"baseline", share_basis::baseline},
                        {"invested", share_basis::invested}, {"gained", share_basis::gained}},
                    share_basis::equal);
}

rule read_own_budget(reader& r, std::string name, const budget_names& b) {
    const auto items = r.choice("items", {{"inside", unit_items::inside}, {"salaries", unit_items::salaries}}, unit_items::inside);
    reader f = r.table("funding");
    unit_funding funding;
    funding.shares = b.shares(f, "shares", false);
    funding.total = f.numbers("total");
    for (auto& [budget, per_year] : f.number_list_table("amounts")) {
        b.check(f, f.key("amounts") + "." + budget, budget, false);
        funding.amounts[budget] = std::move(per_year);
    }
    f.done();
    return own_budget(std::move(name), items, std::move(funding));
}

rule read_requirement(reader& r, std::string name, const budget_names& b) {
    std::vector<requirement_part> parts;
    for (reader p : r.tables("parts", true)) {
        const auto per_year = p.required_numbers("per_year");
        const auto kind = p.choice<int>("kind", {{"any", -1}, {"service", 0}, {"transfer", 1}}, -1);
        const std::optional<cost_kind> k = kind < 0 ? std::nullopt : std::optional(static_cast<cost_kind>(kind));
        parts.push_back(p.present("equal") ? equal_split(per_year, b.list(p, "equal"), k)
                                       : requirement_part{per_year, b.shares(p, "shares"), k});
        p.done();
    }
    const auto mode = r.choice("settlement", {{"own", shortfall::own}, {"pooled", shortfall::pooled}}, shortfall::own);
    return efficiency_requirement(std::move(name), std::move(parts), mode);
}

rule read_rule(reader& r, std::size_t index, const budget_names& b) {
    const std::string type = r.string("type");
    std::string name = r.string("name", "");
    if (name.empty()) {
        name = type;
        std::replace(name.begin(), name.end(), '_', ' ');
        name += fmt::format(" {}", index + 1);
    }
    if (type == "pay_where_granted") return pay_where_granted(name);
    if (type == "fixed_key") {
        auto iv = r.string("intervention");
        auto shares = b.shares(r, "shares");
        return fixed_key(name, std::move(iv), std::move(shares), r.boolean("solution_group_only", true));
    }
    if (type == "salary_key") return salary_key(name, b.shares(r, "shares"));
    if (type == "own_budget") return read_own_budget(r, name, b);
    if (type == "efficiency_requirement") return read_requirement(r, name, b);
    if (type == "retrospective") {
        auto sectors = b.list(r, "sectors");
        return retrospective(name, std::move(sectors), basis(r, "basis"));
    }
    if (type == "shapley") {
        auto players = b.list(r, "players");
        auto tables = r.number_lists("tables");
        if (tables.empty() || std::any_of(tables.begin(), tables.end(), [](const auto& t) { return t.empty(); })) {
            r.fail(r.key("tables"), "must be a non-empty list of lists of numbers (one coalition table, or one per year)");
        }
        return shapley(name, std::move(players), std::move(tables));
    }
    if (type == "investor_returns") {
        auto sectors = b.list(r, "sectors");
        return investor_returns(name, std::move(sectors), basis(r, "rest"));
    }
    if (!r.has("type")) r.done();  // reports the missing type
    r.fail(r.key("type"), fmt::format("must be one of pay_where_granted, fixed_key, salary_key, own_budget, "
                                      "efficiency_requirement, retrospective, shapley, investor_returns; got '{}'", type));
}

// The salary financing written in [organisation] (`salary_key`, how the sectors pay the staff
// the simulation books on the solution's line) as the first rule, so a settlement shows the
// budgets the scenario describes. An [allocation] salary_key rule with the same shares is the
// same statement and is kept as written; one with other shares contradicts the file. An
// own_budget rule finances the salaries through the unit's own budget (Assens, Helsingør), so
// the key is not applied as well.
void salary_financing(reader& top, std::vector<rule>& out, const std::vector<reader>& entries,
                      const budget_names& b) {
    reader org = top.table("organisation");
    double staff = org.number("staff_fte", 0.0);
    for (double s : org.numbers("staff_fte_by_year")) staff = std::max(staff, s);  // staff in some year
    key shares;
    for (const auto& [sector, share] : org.number_table("salary_key")) shares[sector] = share;
    if (staff <= 0.0 || shares.empty()) return;
    if (std::any_of(out.begin(), out.end(), [](const rule& r) { return r.type == "own_budget"; })) return;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].type != "salary_key") continue;
        reader r = entries[i];
        if (b.shares(r, "shares") != shares) {
            std::vector<std::string> parts;
            for (const auto& [sector, share] : shares) parts.push_back(fmt::format("{} = {}", sector, share));
            r.fail(r.key("shares"),
               fmt::format("differs from organisation.salary_key ({}); the salary financing is written once, "
                           "in [organisation] (a rule with the same shares may stay)",
                           fmt::join(parts, ", ")));
        }
        return;
    }
    out.insert(out.begin(), salary_key("salaries (organisation.salary_key)", std::move(shares)));
}

}  // namespace

std::vector<rule> allocation_rules(const document& doc) {
    reader top(doc);
    budget_names b{top.strings("sectors")};
    b.known.push_back("solution");
    reader alloc = top.table("allocation");
    std::vector<rule> out;
    const auto entries = alloc.tables("rules");
    alloc.done();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        reader r = entries[i];
        try {
            out.push_back(read_rule(r, i, b));
        } catch (const std::invalid_argument& e) {  // the rule's own value checks
            r.done();  // an unknown or missing key explains the complaint better, if there is one
            r.fail(r.path(), e.what());
        }
        r.done();
    }
    salary_financing(top, out, entries, b);
    return out;
}

}  // namespace tvaer
