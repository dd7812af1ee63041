#pragma once
/// The data chunks of a results file that an append leaves alone, which the undo journal does not
/// save (results_journal.hpp, results_file.cpp). Private to the engine's sources.
///
/// A chunk that holds only complete rows (all of its rows along the first dimension below the
/// dataset's extent, one chunk across every other dimension, as the writer makes them) is never
/// rewritten or freed when the dataset grows. Finding where each lies is one look-up in HDF5's
/// chunk index a chunk (`H5Dget_chunk_info_by_coord`); made for every chunk at every append, the
/// look-ups grew with the file (quadratic in replications over a run). So the process remembers
/// what it found for the file it last appended to, and the next append looks up only the chunks
/// completed since, when the file is as that append left it (same device, inode, size and
/// modification time) and each dataset's last remembered chunk is still where it was; otherwise
/// it looks them all up again.
#include <hdf5.h>

#include <string>
#include <vector>

#include "results_journal.hpp"

namespace tvaer::detail::chunks {

/// Where the complete chunks of every dataset of `file` (open, read-only or not, at `path`) lie,
/// from what this process remembers of the file where it can (see above). What it finds is
/// remembered, but trusted by the next call only after remember(path).
std::vector<journal::range> unchanging(hid_t file, const std::string& path);

/// Says that the file at `path` is now as the last unchanging(...) for it found it, bar the
/// chunks an append added (an append committed): the file's size and modification time now are
/// those the next call checks.
void remember(const std::string& path);

/// The chunk look-ups the calls above made in this process (for tests and measurements).
unsigned long long lookups();

}  // namespace tvaer::detail::chunks
