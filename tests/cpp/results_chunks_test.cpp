// The chunks an append leaves alone (engine/src/results_chunks.hpp, private to the engine): found
// once per process, each append looking up only the chunks completed since the one before.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>

#include "../../engine/src/results_chunks.hpp"
#include "builders.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/results_file.hpp"

namespace fs = std::filesystem;
namespace chunks = tvaer::detail::chunks;
namespace journal = tvaer::detail::journal;

namespace {

using scratch = tvaer::test::scratch_dir;

const tvaer::model& ladder() {
    static const tvaer::model m = tvaer::compile(tvaer::ladder_scenario(60));
    return m;
}

tvaer::results ladder_run(std::uint32_t first, std::uint32_t count) {
    tvaer::run_options o;
    o.seed = 5;
    o.first_replication = first;
    o.replications = count;
    return tvaer::run_replications(ladder(), o);
}

/// The complete chunks of the file at `path` as chunks::unchanging finds them, sorted, and the
/// look-ups it made.
std::pair<std::vector<journal::range>, unsigned long long> unchanging_of(const std::string& path) {
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, false, true);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    REQUIRE(file >= 0);
    const auto before = chunks::lookups();
    auto kept = chunks::unchanging(file, path);
    const auto made = chunks::lookups() - before;
    H5Fclose(file);
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
    return {kept, made};
}

/// Writes `blocks` blocks of `block` replications to `path` (the first written, the others
/// appended) with `c`; returns the chunk look-ups each append made.
std::vector<unsigned long long> grow(const std::string& path, std::uint32_t block, int blocks,
                                     const tvaer::compression& c) {
    tvaer::write_results(path, ladder_run(0, block), tvaer::make_provenance(ladder(), "name = \"ladder\""), c);
    std::vector<unsigned long long> made;
    for (int b = 1; b < blocks; ++b) {
        const auto before = chunks::lookups();
        tvaer::append_results(path, ladder_run(b * block, block));
        made.push_back(chunks::lookups() - before);
    }
    return made;
}

}  // namespace

TEST_CASE("an append looks up only the chunks completed since the append before it", "[results_chunks]") {
    // Every append of a block as large as the first completes as many chunks (the chunks are cut
    // to the first write); looking every chunk up again made the k-th append's look-ups grow as k.
    const scratch tmp;
    const auto path = (tmp.dir / "grow.h5").string();
    for (const auto* how : {"szip", "none"}) {
        const auto made = grow(path, 20, 7, tvaer::compression::parse(how));
        INFO(how);
        REQUIRE(made.size() == 6u);
        CHECK(made[2] > 0u);
        CHECK(made[5] == made[2]);
        CHECK(made[1] == made[2]);
    }
}

TEST_CASE("the chunks remembered from the last append are those a fresh look-up finds", "[results_chunks]") {
    const scratch tmp;
    const auto path = (tmp.dir / "a.h5").string(), copy = (tmp.dir / "b.h5").string();
    grow(path, 20, 5, tvaer::compression::parse("szip"));
    fs::copy_file(path, copy);
    const auto [remembered, few] = unchanging_of(path);
    const auto [fresh, all] = unchanging_of(copy);  // another file: nothing remembered
    CHECK(remembered == fresh);
    CHECK(few < all / 2);
}

TEST_CASE("a file changed since the last append has its chunks looked up again", "[results_chunks]") {
    const scratch tmp;
    const auto path = (tmp.dir / "a.h5").string(), other = (tmp.dir / "b.h5").string();
    grow(other, 10, 8, tvaer::compression::parse("szip"));  // the same rows in other chunks
    grow(path, 20, 4, tvaer::compression::parse("szip"));   // what the process remembers
    fs::copy_file(other, path, fs::copy_options::overwrite_existing);  // the same inode, rewritten
    const auto [kept, made] = unchanging_of(path);
    const auto [fresh, all] = unchanging_of(other);
    CHECK(kept == fresh);
    CHECK(made == all);
}
