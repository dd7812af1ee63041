#include "tvaer/results_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "crash_hook.hpp"
#include "hdf5_io.hpp"
#include "results_chunks.hpp"
#include "results_journal.hpp"
#include "tvaer/error.hpp"

namespace tvaer {

namespace {

using namespace detail::h5;
namespace journal = detail::journal;
namespace crash_hook = detail::crash_hook;
using crash_stage = crash_hook::stage;

// ---- the arrays: one dataset per row of result_arrays() (docs/results-format.md) ----

std::vector<hsize_t> file_shape(const results& r, const result_array& a) {
    std::vector<hsize_t> out;
    for (const auto n : shape_of(r, a)) out.push_back(n);
    return out;
}

bool exists(hid_t file, std::string_view name) { return H5Lexists(file, std::string(name).c_str(), H5P_DEFAULT) > 0; }

void make_scale(hid_t ds, const std::string& path, const char* name, const char* long_name) {
    ok(H5DSset_scale(ds, name), path, object("dataset", name, "cannot make it a dimension scale"));
    describe(ds, path, long_name, nullptr);
}

std::vector<std::uint32_t> replication_ids(const results& r) {
    std::vector<std::uint32_t> ids(r.replications);
    for (std::uint32_t i = 0; i < r.replications; ++i) ids[i] = r.first_replication + i;
    return ids;
}

std::vector<std::uint64_t> record_ids(std::uint64_t first, std::uint64_t n) {
    std::vector<std::uint64_t> ids(n);
    for (std::uint64_t i = 0; i < n; ++i) ids[i] = first + i;
    return ids;
}

/// The coordinates every file has: replication, arm, month and the name dimensions.
void write_coordinates(hid_t file, const std::string& path, const results& r, const compression& c) {
    const auto ids = replication_ids(r);
    auto rep = create_numeric<std::uint32_t>(file, path, "replication", {ids.size()}, &c, ids.size());
    write_block(rep, path, "replication", 0, ids.size(), ids);
    make_scale(rep, path, "replication", "replication (index of its keyed random streams)");
    make_scale(write_strings(file, path, "arm", {"bau", "solution"}), path, "arm",
               "arm: business as usual or inside the cross-sector solution");
    std::vector<std::int32_t> months(r.months);
    for (std::size_t m = 0; m < r.months; ++m) months[m] = static_cast<std::int32_t>(m);
    make_scale(write_fixed(file, path, "month", months), path, "month", "month of the horizon (0 = the first)");
    for (const auto& n : name_dimensions()) {
        const std::string name(n.name), long_name(n.long_name);
        make_scale(write_strings(file, path, name, r.*n.names), path, name.c_str(), long_name.c_str());
    }
}

/// Creates the coordinate of dimension `dim` when the file does not have it yet: the dimensions
/// of the per-family output (year, registration, family_record) exist only in files that hold it.
void ensure_coordinate(hid_t file, const std::string& path, const results& r, std::string_view dim,
                       const compression& c) {
    if (exists(file, dim)) return;
    if (dim == "year") {
        std::vector<std::int32_t> years(family_years(r.months));
        for (std::size_t y = 0; y < years.size(); ++y) years[y] = static_cast<std::int32_t>(y + 1);
        make_scale(write_fixed(file, path, "year", years), path, "year", "year of the horizon (year 1 = months 0-11)");
    } else if (dim == "registration") {
        make_scale(write_strings(file, path, "registration", {"cpr", "not_cpr"}), path, "registration",
                   "whether a cost is booked on a person's CPR number");
    } else if (dim == "family_record") {
        const hsize_t total = family_records(r);
        auto rec = create_numeric<std::uint64_t>(file, path, "family_record", {total}, &c);
        write_block(rec, path, "family_record", 0, total, record_ids(0, total));
        make_scale(rec, path, "family_record",
                   "a family in one replication and arm: blocks in (replication, arm) order, sizes in family_count");
    } else {
        throw std::logic_error(fmt::format("results_file: no coordinate for dimension {}", dim));
    }
}

/// Creates the dataset of row `a` holding `r`'s data, extendable along its first dimension, and
/// labels it (long name, units, dimension names).
void write_array(hid_t file, const std::string& path, const results& r, const result_array& a, const compression& how) {
    std::vector<std::string> dims;
    for (const auto d : a.dims) {
        ensure_coordinate(file, path, r, d, how);
        dims.emplace_back(d);
    }
    const std::string name(a.name), units(a.units), long_name(a.long_name);
    const auto shape = file_shape(r, a);
    std::visit([&](const auto& c) {
        using T = typename std::decay_t<decltype(r.*c.data)>::value_type;
        // Chunks cut to the first write, so that appends as large fill whole chunks and never
        // read, recompress or rewrite a partly filled one; uncompressed files too since appends
        // remember the chunks they found (results_chunks.hpp; docs/performance.md, "twelfth pass").
        auto ds = create_numeric<T>(file, path, name, shape, &how, a.dims.front() == "replication" ? shape[0] : 0);
        write_block(ds, path, name, 0, shape[0], r.*c.data);
        describe(ds, path, long_name.c_str(), units.empty() ? nullptr : units.c_str());
        attach(file, ds, path, name, dims);
    }, a.column);
}

void write_arrays(hid_t file, const std::string& path, const results& r, const compression& c) {
    for (const auto& a : result_arrays()) {
        if (r.holds(a.name)) write_array(file, path, r, a, c);
    }
}

/// The first row of the table recorded with `flag`: whether the file has it says whether the
/// file holds the arrays of that flag.
const result_array& first_recorded_with(bool results::*flag) {
    for (const auto& a : result_arrays()) {
        if (a.recorded_with == flag) return a;
    }
    throw std::logic_error("results_file: no array for a recording flag");
}

/// Reads the arrays the file holds into `r` (its header read). A missing array is refused unless
/// it is optional; the arrays of one recording flag come together.
void read_arrays(hid_t file, const std::string& path, results& r) {
    for (const auto& a : result_arrays()) {
        const bool in_file = exists(file, a.name);
        if (a.recorded_with != nullptr) {
            if (&a == &first_recorded_with(a.recorded_with)) r.*a.recorded_with = in_file;
            if (!(r.*a.recorded_with)) continue;
        } else if (!in_file && a.optional) {
            r.absent.emplace_back(a.name);
            continue;
        }
        std::visit([&](const auto& c) {
            using T = typename std::decay_t<decltype(r.*c.data)>::value_type;
            r.*c.data = read_numeric<T>(file, path, std::string(a.name), file_shape(r, a));
        }, a.column);
    }
    std::uint64_t offset = 0;
    for (const auto c : r.family_counts) {
        r.family_offsets.push_back(offset);
        offset += c;
    }
}

std::optional<std::uint32_t> index_of(const std::vector<std::string>& names, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return std::nullopt;
    return static_cast<std::uint32_t>(it - names.begin());
}

// ---- line metadata: auxiliary coordinates along "line" ----

using names = std::vector<std::string>;

/// A text column of ledger_line; `set` returns false for a value it does not know.
struct line_text {
    const char* name;
    const char* long_name;
    std::string (*get)(const ledger_line&, const names& budgets);
    bool (*set)(ledger_line&, const std::string&, const names& budgets);
};

bool set_index(std::uint32_t& into, const std::string& value, const names& budgets) {
    const auto i = index_of(budgets, value);
    if (i) into = *i;
    return i.has_value();
}

const line_text line_texts[] = {
    {"line_source_kind", "kind of cost source (state, intervention or staff)",
     [](const ledger_line& l, const names&) { return l.source_kind; },
     [](ledger_line& l, const std::string& v, const names&) { return l.source_kind = v, true; }},
    {"line_law_sector", "sector whose law grants the cost",
     [](const ledger_line& l, const names& b) { return b[l.law_sector]; },
     [](ledger_line& l, const std::string& v, const names& b) { return set_index(l.law_sector, v, b); }},
    {"line_payer", "budget that pays the cost after governance",
     [](const ledger_line& l, const names& b) { return b[l.payer]; },
     [](ledger_line& l, const std::string& v, const names& b) { return set_index(l.payer, v, b); }},
    {"line_cost_kind", "cost kind (service or transfer)",
     [](const ledger_line& l, const names&) { return std::string(l.kind == cost_kind::service ? "service" : "transfer"); },
     [](ledger_line& l, const std::string& v, const names&) {
         l.kind = v == "service" ? cost_kind::service : cost_kind::transfer;
         return v == "service" || v == "transfer";
     }},
    {"line_group", "families the line concerns (usual or solution)",
     [](const ledger_line& l, const names&) { return std::string(l.group == treatment::usual ? "usual" : "solution"); },
     [](ledger_line& l, const std::string& v, const names&) {
         l.group = v == "usual" ? treatment::usual : treatment::solution;
         return v == "usual" || v == "solution";
     }},
    {"line_benefit", "benefit type the cost applies to (empty: any member)",
     [](const ledger_line& l, const names&) { return l.benefit; },
     [](ledger_line& l, const std::string& v, const names&) { return l.benefit = v, true; }},
    {"line_granted_by", "who grants the help (sector, shared or solution)",
     [](const ledger_line& l, const names&) { return l.granted_by; },
     [](ledger_line& l, const std::string& v, const names&) { return l.granted_by = v, true; }},
};

/// A yes/no column of ledger_line, stored as uint8 0/1.
struct line_flag {
    const char* name;
    const char* long_name;
    bool ledger_line::*member;
};
const line_flag line_flags[] = {
    {"line_cpr_registered", "booked on a CPR number (1) or not (0)", &ledger_line::cpr_registered},
    {"line_inside_unit_budget", "inside the solution unit's own budget (1) or not (0)", &ledger_line::inside_unit_budget},
};

void check_lines(const results& r, const std::vector<ledger_line>& lines) {
    if (lines.size() != r.line_sources.size()) {
        throw std::invalid_argument(fmt::format("provenance.lines: {} lines for {} results lines", lines.size(),
                                                r.line_sources.size()));
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (l.source != r.line_sources[i] || l.law_sector >= r.budgets.size() || l.payer >= r.budgets.size()) {
            throw std::invalid_argument(fmt::format(
                "provenance.lines[{}]: source '{}', law sector {}, payer {} do not fit results line '{}' with {} budgets", i,
                l.source, l.law_sector, l.payer, r.line_sources[i], r.budgets.size()));
        }
    }
}

void write_lines(hid_t file, const std::string& path, const results& r, const std::vector<ledger_line>& lines) {
    check_lines(r, lines);
    std::vector<std::string> aux;
    for (const auto& c : line_texts) {
        names values;
        for (const auto& l : lines) values.push_back(c.get(l, r.budgets));
        const auto ds = write_strings(file, path, c.name, values);
        describe(ds, path, c.long_name, nullptr);
        attach(file, ds, path, c.name, {"line"});
        aux.emplace_back(c.name);
    }
    for (const auto& f : line_flags) {
        std::vector<std::uint8_t> values;
        for (const auto& l : lines) values.push_back(l.*f.member ? 1 : 0);
        const auto ds = write_fixed(file, path, f.name, values);
        describe(ds, path, f.long_name, nullptr);
        attach(file, ds, path, f.name, {"line"});
        aux.emplace_back(f.name);
    }
    // CF: auxiliary coordinates of the one variable along "line".
    write_text_attr(open_dataset(file, path, "costs"), path, "coordinates", fmt::format("{}", fmt::join(aux, " ")));
}

std::vector<ledger_line> read_lines(hid_t file, const std::string& path, const results& head) {
    const auto n = head.line_sources.size();
    std::vector<ledger_line> lines(n);
    for (std::size_t i = 0; i < n; ++i) lines[i].source = head.line_sources[i];
    for (const auto& c : line_texts) {
        const auto values = read_strings(file, path, c.name);
        if (values.size() != n) fail(path, object("dataset", c.name, fmt::format("has {} values for {} lines", values.size(), n)));
        for (std::size_t i = 0; i < n; ++i) {
            if (!c.set(lines[i], values[i], head.budgets)) {
                fail(path, object("dataset", c.name, fmt::format("unknown value '{}' at line {}", values[i], i)));
            }
        }
    }
    for (const auto& f : line_flags) {
        const auto values = read_numeric<std::uint8_t>(file, path, f.name, {n});
        for (std::size_t i = 0; i < n; ++i) lines[i].*f.member = values[i] != 0;
    }
    return lines;
}

// ---- root attributes, header, files ----

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void write_root(hid_t file, const std::string& path, const results& r, const provenance& p, const compression& c) {
    write_number_attr<std::int32_t>(file, path, "schema_version", results_schema_version);
    write_text_attr(file, path, "compression", c.text());
    write_text_attr(file, path, "writer", "tvaer " + p.engine_version);
    write_text_attr(file, path, "git_revision", p.git_revision);
    write_text_attr(file, path, "created", p.created.empty() ? utc_now() : p.created);
    write_number_attr(file, path, "seed", r.seed);
    write_number_attr(file, path, "first_replication", r.first_replication);
    write_number_attr(file, path, "replications", r.replications);
    write_text_attr(file, path, "scenario", p.scenario_text);
    write_text_attr(file, path, "scenario_name", p.scenario_name);
}

/// The file's schema version; throws file_error when this reader is too old for it.
int check_schema(hid_t file, const std::string& path) {
    const auto v = read_number_attr<std::int32_t>(file, path, "schema_version");
    if (v > results_schema_version) {
        throw file_error(fmt::format("results file {}: schema version {} is newer than this tvaer reads ({}); upgrade tvaer",
                                     path, v, results_schema_version));
    }
    if (v < 1) throw file_error(fmt::format("results file {}: invalid schema version {}", path, v));
    return v;
}

/// The file's compression: its root attribute, or shuffle + deflate 4 for files written before it.
compression file_compression(hid_t file, const std::string& path) {
    if (H5Aexists(file, "compression") <= 0) return compression::legacy();
    const auto text = read_text_attr(file, path, "compression");
    try {
        return compression::parse(text);
    } catch (const std::invalid_argument& e) {
        fail(path, fmt::format("attribute 'compression': {}", e.what()));
    }
}

/// Everything but the arrays: seed, replication range, months and names.
results read_header(hid_t file, const std::string& path) {
    results r;
    r.seed = read_number_attr<std::uint64_t>(file, path, "seed");
    r.first_replication = read_number_attr<std::uint32_t>(file, path, "first_replication");
    r.replications = read_number_attr<std::uint32_t>(file, path, "replications");
    const auto months = extent(open_dataset(file, path, "month"));
    if (months.size() != 1) fail(path, object("dataset", "month", "is not one-dimensional"));
    r.months = months[0];
    for (const auto& n : name_dimensions()) r.*n.names = read_strings(file, path, std::string(n.name));
    return r;
}

/// Opens a results file without HDF5's own file lock: tvaer's readers and writers lock it
/// themselves (results_journal.hpp), which HDF5's lock on another descriptor would contradict.
handle open_file(const std::string& name, const std::string& path, unsigned flags) {
    handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_file_locking(fapl, false, true);
    return handle(ok(H5Fopen(name.c_str(), flags, fapl), path, "cannot open " + name), H5Fclose);
}

/// How long a reader waits for an append to end, and an appender for readers to close the file.
constexpr double lock_wait_seconds = 60;

// ---- appending in place (results_journal.hpp) ----

/// Whether a process holds the writer lock of `path` now (without taking it).
bool writer_alive(const std::string& path) {
    const int fd = ::open((path + ".lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    ::close(fd);
    return busy;
}

/// The right to write `path`: an exclusive advisory lock (flock) on `path + ".lock"`, taken
/// without waiting. A second writer of the same path is refused before it touches anything, and
/// a writer killed mid-write leaves no lock behind (the kernel drops it with the process).
class writer_lock {
public:
    explicit writer_lock(const std::string& path) : name_(path + ".lock") {
        fd_ = ::open(name_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw file_error(fmt::format("results file {}: cannot create {}: {}", path, name_, std::strerror(errno)));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw file_error(fmt::format("results file {}: another process is writing it (it holds {}); wait for that run "
                                         "to end or write to another file", path, name_));
        }
    }
    writer_lock(const writer_lock&) = delete;
    writer_lock& operator=(const writer_lock&) = delete;
    ~writer_lock() {
        ::unlink(name_.c_str());  // while still holding the lock: a writer that opened it before fails
        ::close(fd_);
    }

private:
    std::string name_;
    int fd_ = -1;
};

/// Rolls back the append whose journal `path` has when its writer died (none holds the writer
/// lock); nothing when a writer is alive (it rolls back or finishes itself).
void roll_back_abandoned(const std::string& path) {
    if (!std::filesystem::exists(journal::name(path)) || writer_alive(path)) return;
    std::optional<writer_lock> lock;
    try {
        lock.emplace(path);
    } catch (const file_error&) {
        return;  // a writer started meanwhile, or the folder is read-only
    }
    const journal::file_lock exclusive(path, true, lock_wait_seconds, "readers to close it before rolling back");
    journal::roll_back(path);
}

/// Runs read() while no append changes `path` (a shared lock on it), after rolling back an
/// append that died: a reader sees the file before or after an append, never during one.
template <class F>
auto read_whole(const std::string& path, F&& read) {
    for (int attempt = 0;; ++attempt) {
        roll_back_abandoned(path);
        if (!std::filesystem::exists(path)) return read();  // for HDF5's "cannot open" message
        const journal::file_lock shared(path, false, lock_wait_seconds, "an append to finish");
        if (!std::filesystem::exists(journal::name(path)) || writer_alive(path) || attempt == 100) return read();
    }
}

/// Runs build(tmp) to make `path + ".tmp"`, then renames it over `path`; removes it on failure.
/// Holds the writer lock throughout, so the temporary file it removes is its own. An append that
/// died on the old file is rolled back first: its journal must not outlive the file it belongs to.
template <class F>
void atomically(const std::string& path, F&& build) {
    const writer_lock lock(path);
    if (std::filesystem::exists(journal::name(path))) {
        const journal::file_lock exclusive(path, true, lock_wait_seconds, "readers to close it before rolling back");
        journal::roll_back(path);
    }
    const std::string tmp = path + ".tmp";
    try {
        build(tmp);
        if (std::rename(tmp.c_str(), path.c_str()) != 0) {
            throw file_error(fmt::format("results file {}: cannot rename {} to it: {}", path, tmp, std::strerror(errno)));
        }
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw;
    }
}

/// Checks that `more` follows on the file's replications, by results::append's rules.
void check_follows(results head, const results& more, const std::string& path) {
    results next;
    next.seed = more.seed;
    next.first_replication = more.first_replication;
    next.replications = more.replications;
    next.months = more.months;
    next.line_sources = more.line_sources;
    try {
        head.append(next);
    } catch (const error& e) {
        throw file_error(fmt::format("results file {}: cannot append: {}", path, e.what()));
    }
    for (const auto& n : name_dimensions()) {
        if (head.*n.names != more.*n.names) {
            throw file_error(fmt::format("results file {}: cannot append: the {} names differ from the file's", path, n.name));
        }
    }
}

/// Refuses, before anything is written, appended results that hold an array the file lacks or
/// the other way round (a file started with no replications takes the arrays of the first).
void check_same_arrays(hid_t file, const std::string& path, const results& head, const results& more) {
    if (more.replications == 0) return;
    for (const auto& a : result_arrays()) {
        const bool in_file = exists(file, a.name);
        if (in_file == more.holds(a.name) || (head.replications == 0 && !in_file)) continue;
        const std::string what = a.recorded_with == &results::has_family_costs ? std::string("per-family costs are")
                                                                                : fmt::format("array '{}' is", a.name);
        throw file_error(fmt::format("results file {}: cannot append: {} recorded in {} but not in {}", path, what,
                                     in_file ? "the file" : "the appended results",
                                     in_file ? "the appended results" : "the file"));
    }
}

/// Appends `more` after the file's replications (head: the file's header) and its families.
void extend(hid_t file, const std::string& path, const results& head, const results& more) {
    const compression how = file_compression(file, path);
    check_same_arrays(file, path, head, more);
    const auto ids = replication_ids(more);
    const auto dapl = uncached_access();
    write_block(open_dataset(file, path, "replication", dapl), path, "replication", head.replications, ids.size(), ids);
    const bool had_records = exists(file, "family_record");
    const hsize_t first_record = had_records ? extent(open_dataset(file, path, "family_record"))[0] : 0;
    for (const auto& a : result_arrays()) {
        if (!more.holds(a.name)) continue;
        if (!exists(file, a.name)) {  // a file started with no replications (check_same_arrays)
            write_array(file, path, more, a, how);
            continue;
        }
        const std::string name(a.name);
        auto expected = file_shape(head, a);  // the header holds no families: set their extent
        expected[0] = a.dims.front() == "family_record" ? first_record : head.replications;
        const auto ds = open_dataset(file, path, name, dapl);
        if (extent(ds) != expected) {
            fail(path, object("dataset", name, fmt::format("has shape {}, expected {}", shape_text(extent(ds)),
                                                          shape_text(expected))));
        }
        std::visit([&](const auto& c) { write_block(ds, path, name, expected[0], file_shape(more, a)[0], more.*c.data); },
                   a.column);
        if (&a == &result_arrays().front() && crash_hook::due(crash_stage::extending)) {
            H5Fflush(file, H5F_SCOPE_LOCAL);  // the torn file on disk, as HDF5's caches may leave it
            crash_hook::die();
        }
    }
    if (had_records && more.has_family_costs) {
        const hsize_t n = family_records(more);
        write_block(open_dataset(file, path, "family_record", dapl), path, "family_record", first_record, n,
                    record_ids(first_record, n));
    }
    write_number_attr(file, path, "replications", head.replications + more.replications);
}

provenance read_provenance_of(hid_t file, const std::string& path) {
    provenance p;
    p.schema_version = check_schema(file, path);
    const std::string writer = read_text_attr(file, path, "writer");
    p.engine_version = writer.starts_with("tvaer ") ? writer.substr(6) : writer;
    p.git_revision = read_text_attr(file, path, "git_revision");
    p.created = read_text_attr(file, path, "created");
    p.scenario_text = read_text_attr(file, path, "scenario");
    p.scenario_name = read_text_attr(file, path, "scenario_name");
    p.compression = file_compression(file, path).text();
    if (H5Lexists(file, line_texts[0].name, H5P_DEFAULT) > 0) p.lines = read_lines(file, path, read_header(file, path));
    return p;
}

}  // namespace

std::string compression::text() const {
    switch (kind) {
        case method::none: return "none";
        case method::szip: return "szip";
        case method::deflate: return fmt::format("deflate:{}", level);
    }
    throw std::logic_error("compression: unknown method");
}

compression compression::parse(std::string_view text) {
    if (text == "none") return {method::none, 0};
    if (text == "szip") return {method::szip, 0};
    if (text.size() == 9 && text.starts_with("deflate:") && text[8] >= '1' && text[8] <= '9') {
        return {method::deflate, text[8] - '0'};
    }
    throw std::invalid_argument(
        fmt::format("compression: must be 'none', 'szip' or 'deflate:1' to 'deflate:9', got '{}'", text));
}

provenance make_provenance(const model& m, std::string scenario_text, std::string git_revision) {
    provenance p;
    p.scenario_text = std::move(scenario_text);
    p.scenario_name = m.spec.name;
    p.git_revision = std::move(git_revision);
    p.lines = m.lines;
    return p;
}

void write_results(const std::string& path, const results& r, const provenance& p, const compression& c) {
    crash_hook::planned();  // an invalid TVAER_TEST_CRASH_AT is refused before anything is written
    const quiet_errors quiet;
    atomically(path, [&](const std::string& tmp) {
        handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        handle file(ok(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), path, "cannot create " + tmp), H5Fclose);
        write_root(file, path, r, p, c);
        write_coordinates(file, path, r, c);
        write_arrays(file, path, r, c);
        if (!p.lines.empty()) write_lines(file, path, r, p.lines);
        ok(file.close(), path, "cannot close " + tmp);
    });
    if (crash_hook::due(crash_stage::committed)) crash_hook::die();
}

results read_results(const std::string& path) {
    const quiet_errors quiet;
    return read_whole(path, [&] {
        const auto file = open_file(path, path, H5F_ACC_RDONLY);
        check_schema(file, path);
        results r = read_header(file, path);
        read_arrays(file, path, r);
        return r;
    });
}

provenance read_provenance(const std::string& path) {
    const quiet_errors quiet;
    return read_whole(path, [&] { return read_provenance_of(open_file(path, path, H5F_ACC_RDONLY), path); });
}

void append_results(const std::string& path, const results& more) {
    crash_hook::planned();  // an invalid TVAER_TEST_CRASH_AT is refused before anything is written
    const quiet_errors quiet;
    const writer_lock lock(path);
    const journal::file_lock exclusive(path, true, lock_wait_seconds,
                                       "other programs to close it (h5py, xarray) before appending");
    journal::roll_back(path);  // an append that died before this one
    results head;
    std::vector<journal::range> kept;
    {
        const auto file = open_file(path, path, H5F_ACC_RDONLY);
        if (const int v = check_schema(file, path); v != results_schema_version) {
            throw file_error(fmt::format("results file {}: cannot append to schema version {}; this tvaer writes {}", path, v,
                                         results_schema_version));
        }
        head = read_header(file, path);
        check_follows(head, more, path);
        kept = detail::chunks::unchanging(file, path);
    }
    journal::save(path, journal::complement(kept, std::filesystem::file_size(path)));
    if (crash_hook::due(crash_stage::journaled)) crash_hook::die();
    try {
        auto file = open_file(path, path, H5F_ACC_RDWR);
        extend(file, path, head, more);
        ok(file.close(), path, "cannot close " + path);
    } catch (...) {
        journal::roll_back(path);
        throw;
    }
    if (crash_hook::due(crash_stage::appended)) crash_hook::die();
    if (std::remove(journal::name(path).c_str()) != 0) {
        throw file_error(fmt::format("results file {}: cannot remove {}: {}", path, journal::name(path), std::strerror(errno)));
    }
    detail::chunks::remember(path);
    if (crash_hook::due(crash_stage::committed)) crash_hook::die();
}

}  // namespace tvaer
