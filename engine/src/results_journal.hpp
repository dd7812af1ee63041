#pragma once
/// Appending to a results file in place without ever leaving it torn (results_file.cpp,
/// docs/results-format.md "Appending in place"). Private to the engine's sources.
///
/// Before an append changes the file, the writer saves in `path + ".journal"` every byte of the
/// file that the append may overwrite: all of it except the data chunks that hold only complete
/// rows (HDF5 never rewrites those when a dataset grows, and never frees them). The journal
/// appears whole or not at all (written as `.journal.tmp`, then renamed). Removing it is the
/// append's commit. A journal found later belongs to an append that died: rolling back writes the
/// saved bytes back and truncates the file to its old size, which gives the file as it was, byte
/// for byte.
///
/// Readers and the writer also lock the results file itself (flock): readers shared, the
/// writer's in-place session exclusive, so a reader never sees a half-made append and the writer
/// never changes a file another program (h5py, xarray) holds open.
#include <cstdint>
#include <string>
#include <vector>

namespace tvaer::detail::journal {

struct range {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    bool operator==(const range&) const = default;
};

/// The parts of [0, size) outside `kept` (which may be unsorted; overlaps are merged).
std::vector<range> complement(std::vector<range> kept, std::uint64_t size);

/// `path + ".journal"`.
std::string name(const std::string& path);

/// Saves the bytes of `path` in `saved` and the file's size, as `path + ".journal"`, atomically.
/// Throws file_error naming `path` on failure (and leaves no journal).
void save(const std::string& path, const std::vector<range>& saved);

/// When `path + ".journal"` exists: writes its bytes back, truncates `path` to its old size and
/// removes the journal; removes a leftover `.journal.tmp` too. The caller holds the writer lock
/// and the exclusive file lock. Returns whether it rolled back.
bool roll_back(const std::string& path);

/// An advisory lock (flock) on the file `path` itself, waiting up to `seconds`; throws
/// file_error naming `path` and `waiting_for` when it cannot be had in that time.
class file_lock {
public:
    file_lock(const std::string& path, bool exclusive, double seconds, const char* waiting_for);
    file_lock(const file_lock&) = delete;
    file_lock& operator=(const file_lock&) = delete;
    ~file_lock();

private:
    int fd_ = -1;
};

}  // namespace tvaer::detail::journal
