// The chunks an append leaves alone, remembered from one append to the next (results_chunks.hpp).
#include "results_chunks.hpp"

#include <sys/stat.h>

#include <atomic>
#include <map>
#include <mutex>

#include "hdf5_io.hpp"

namespace tvaer::detail::chunks {

namespace {

using h5::extent;
using h5::handle;

/// The file as an append left it: a file changed since (by anyone) differs in one of these.
struct stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    long long seconds = 0, nanoseconds = 0;
    bool operator==(const stamp&) const = default;
};

stamp stamp_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

/// One dataset's complete chunks in row order (a chunk without an address: an empty range).
struct dataset_chunks {
    hsize_t rows = 0;  // rows of a chunk along the first dimension
    std::vector<journal::range> found;
};

/// What the last look-up found in a file, and the file as the append after it left it.
struct memory {
    std::string path;
    stamp as_left;
    bool committed = false;
    std::map<std::string, dataset_chunks> datasets;
};

std::mutex memory_mutex;
memory last;  // one file: simulate_to_file appends to one file at a time
std::atomic<unsigned long long> lookup_count{0};

/// The names of the root group's links.
std::vector<std::string> link_names(hid_t file, const std::string& path) {
    std::vector<std::string> names;
    h5::ok(H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, nullptr,
                      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                          static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                          return 0;
                      },
                      &names),
           path, "cannot list the datasets");
    return names;
}

journal::range chunk_at(hid_t ds, std::vector<hsize_t>& at, hsize_t first) {
    at[0] = first;
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    ++lookup_count;
    if (H5Dget_chunk_info_by_coord(ds, at.data(), &mask, &addr, &size) < 0 || addr == HADDR_UNDEF) return {};
    return {addr, size};
}

/// The complete chunks of `ds` (results_chunks.hpp), starting from `known` when its last chunk
/// is still where it was. Layouts other than the writer's keep nothing (everything is journaled).
dataset_chunks complete_chunks(hid_t ds, dataset_chunks known) {
    handle dcpl(H5Dget_create_plist(ds), H5Pclose);
    if (H5Pget_layout(dcpl) != H5D_CHUNKED) return {};
    const auto dims = extent(ds);
    std::vector<hsize_t> chunk(dims.size());
    if (dims.empty() || H5Pget_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()) < 0) return {};
    for (std::size_t i = 1; i < dims.size(); ++i) {
        if (chunk[i] < dims[i] || dims[i] == 0) return {};
    }
    std::vector<hsize_t> at(dims.size(), 0);
    const hsize_t complete = dims[0] / chunk[0];
    if (known.rows != chunk[0] || known.found.size() > complete ||
        (!known.found.empty() && !(chunk_at(ds, at, (known.found.size() - 1) * chunk[0]) == known.found.back()))) {
        known = {chunk[0], {}};
    }
    for (hsize_t i = known.found.size(); i < complete; ++i) known.found.push_back(chunk_at(ds, at, i * chunk[0]));
    return known;
}

}  // namespace

std::vector<journal::range> unchanging(hid_t file, const std::string& path) {
    memory before;
    {
        const std::lock_guard lock(memory_mutex);
        if (last.path == path && last.committed && last.as_left == stamp_of(path)) before = last;
    }
    memory now{path, {}, false, {}};
    std::vector<journal::range> kept;
    for (const auto& name : link_names(file, path)) {
        const auto ds = h5::open_dataset(file, path, name);
        auto found = complete_chunks(ds, std::move(before.datasets[name]));
        kept.insert(kept.end(), found.found.begin(), found.found.end());
        if (!found.found.empty()) now.datasets.emplace(name, std::move(found));
    }
    H5Eclear2(H5E_DEFAULT);
    const std::lock_guard lock(memory_mutex);
    last = std::move(now);
    return kept;
}

void remember(const std::string& path) {
    const std::lock_guard lock(memory_mutex);
    if (last.path != path) return;
    last.as_left = stamp_of(path);
    last.committed = true;
}

unsigned long long lookups() { return lookup_count; }

}  // namespace tvaer::detail::chunks
