#pragma once
/// The HDF5 results file: one self-describing file per study, readable by h5py and xarray
/// (engine="h5netcdf") without tvaer. docs/results-format.md describes the layout.
///
/// Every row of result_arrays() (results.hpp) that the results hold is one dataset with netCDF-4
/// dimension scales, chunked along an unlimited first dimension and compressed as the writer
/// chooses (`compression`), so later replications can be appended. Per-family costs, when the results hold
/// them, lie along an unlimited `family_record` dimension (blocks in replication, arm order;
/// sizes in `family_count`). Writes are atomic: the file is built as `path + ".tmp"` and renamed
/// over `path` only when complete; on failure the temporary file is removed and `path` is
/// untouched. Appends change the file in place under an undo journal; readers share-lock the
/// file, so they see it before or after an append, never during one.
///
/// The serial HDF5 library is not thread-safe: do not call these functions while another thread
/// of the process uses HDF5. They silence HDF5's automatic error printing while they run.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tvaer/model.hpp"
#include "tvaer/replications.hpp"

namespace tvaer {

/// The layout version this engine writes. Readers load every version up to this one; raise it
/// whenever the layout changes and keep a file of the old version under tests/data/.
inline constexpr int results_schema_version = 1;

/// How a results file compresses its arrays along replications, with HDF5's built-in filters only,
/// so any HDF5 reader decodes them: none, szip (libaec; nearest-neighbour preprocessing, 32
/// pixels a block) or deflate at level 1 to 9 after a byte shuffle (the shuffle makes deflate's
/// files about a tenth smaller at the same cost and szip's larger: docs/performance.md). Stored as
/// the root attribute `compression`; reading needs nothing but HDF5.
struct compression {
    enum class method { none, szip, deflate };
    method kind = method::szip;
    int level = 0;  ///< deflate's level, 1 to 9; 0 otherwise

    /// "none", "szip" or "deflate:N".
    [[nodiscard]] std::string text() const;
    /// Reads "none", "szip" or "deflate:N" (N in 1..9). Throws std::invalid_argument
    /// `compression: must be 'none', 'szip' or 'deflate:1' to 'deflate:9', got '...'`.
    static compression parse(std::string_view text);
    /// What files without the attribute (written before it) use: shuffle + deflate level 4.
    static compression legacy() { return {method::deflate, 4}; }
};

/// Where results came from; stored as root attributes (and line variables) of the file.
struct provenance {
    std::string scenario_text;            ///< the scenario as TOML, verbatim
    std::string scenario_name;
    std::string engine_version = TVAER_VERSION;
    std::string git_revision = "unknown";
    std::string created;                  ///< ISO 8601 UTC; the writer fills it in when empty
    int schema_version = results_schema_version;  ///< set by the reader; the writer writes its own
    /// Set by the reader: the file's compression (compression::text()); the writer takes its
    /// argument instead.
    std::string compression;
    /// The model's ledger lines, one per results line (same sources, same order), written as
    /// auxiliary variables along the line dimension. Empty: no line metadata in the file.
    std::vector<ledger_line> lines;
};

/// Provenance for results of `m`: its name and ledger lines, the given TOML text and revision.
provenance make_provenance(const model& m, std::string scenario_text, std::string git_revision = "unknown");

/// Writes `r` and `p` to `path` atomically (via `path + ".tmp"`), replacing any file there, its
/// arrays compressed by `c`. Throws std::invalid_argument when an array of `r` does not match its
/// shape or `p.lines` does not match `r.line_sources`, and file_error naming the path (and
/// dataset) on any I/O failure, or when this HDF5 library cannot encode `c` (szip without libaec).
void write_results(const std::string& path, const results& r, const provenance& p, const compression& c = {});

/// Reads the arrays of a results file back, bit for bit as written. An optional array the file
/// lacks (result_array::optional) reads as absent (results::holds is false). Throws file_error
/// naming the path when the file cannot be opened, its schema version is newer than
/// `results_schema_version`, or a required dataset or attribute is missing or of the wrong shape.
results read_results(const std::string& path);

/// Reads the provenance of a results file (with `lines` when the file has line metadata).
/// Throws file_error like read_results.
provenance read_provenance(const std::string& path);

/// Extends the file at `path` by the replications of `more`, which must follow on (same seed,
/// months and line sources; first replication = the file's first + its count) and have the same
/// row names. In place, under an undo journal (`path + ".journal"`, engine/src/results_journal.hpp):
/// a failure (file_error, or std::invalid_argument for a malformed `more`) or a kill leaves the
/// file as it was, byte for byte, once rolled back (by this call, or by the next reader or
/// writer). Waits up to 60 s for readers of the file (tvaer's, h5py's) to close it.
void append_results(const std::string& path, const results& more);

}  // namespace tvaer
