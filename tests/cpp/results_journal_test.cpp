// The undo journal of in-place appends (engine/src/results_journal.hpp, private to the engine):
// the complement of the kept byte ranges, and rolling back an append that died.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "../../engine/src/results_journal.hpp"
#include "builders.hpp"
#include "tvaer/reference.hpp"
#include "tvaer/results_file.hpp"

namespace fs = std::filesystem;
namespace journal = tvaer::detail::journal;

namespace {

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

using scratch = tvaer::test::scratch_dir;

tvaer::results ladder_run(std::uint32_t first, std::uint32_t count) {
    static const tvaer::model m = tvaer::compile(tvaer::ladder_scenario(30));
    tvaer::run_options o;
    o.seed = 3;
    o.first_replication = first;
    o.replications = count;
    return tvaer::run_replications(m, o);
}

/// A results file of 2 replications and its bytes; then the state an append leaves when it dies
/// after saving its journal: the file's first bytes overwritten and garbage past its end.
struct torn_file {
    scratch tmp;
    std::string path = (tmp.dir / "torn.h5").string();
    std::string before;
    torn_file() {
        tvaer::write_results(path, ladder_run(0, 2), tvaer::make_provenance(
            tvaer::compile(tvaer::ladder_scenario(30)), "name = \"ladder\""));
        before = bytes_of(path);
        journal::save(path, journal::complement({{100, 400}}, before.size()));  // bytes 100..499 kept
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(0);
        f << std::string(100, 'x');  // the superblock, saved in the journal
        f.seekp(0, std::ios::end);
        f << std::string(5000, 'y');  // an appended chunk half written
    }
};

}  // namespace

TEST_CASE("the complement of kept byte ranges covers the rest of the file", "[results_journal]") {
    using r = journal::range;
    auto same = [](const std::vector<r>& a, const std::vector<r>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].offset != b[i].offset || a[i].length != b[i].length) return false;
        }
        return true;
    };
    CHECK(same(journal::complement({}, 10), {{0, 10}}));
    CHECK(same(journal::complement({{0, 10}}, 10), {}));
    // unsorted, overlapping, touching, and running past the end
    CHECK(same(journal::complement({{6, 2}, {2, 2}, {3, 2}, {8, 1}, {12, 9}}, 15), {{0, 2}, {5, 1}, {9, 3}}));
    CHECK(same(journal::complement({{20, 5}}, 15), {{0, 15}}));
}

TEST_CASE("a reader rolls back an append that died, to the file's bytes before it", "[results_journal]") {
    const torn_file t;
    REQUIRE(bytes_of(t.path) != t.before);
    const auto back = tvaer::read_results(t.path);
    CHECK(back.replications == 2u);
    CHECK(bytes_of(t.path) == t.before);
    CHECK_FALSE(fs::exists(journal::name(t.path)));
    tvaer::append_results(t.path, ladder_run(2, 1));  // and the file goes on growing
    CHECK(tvaer::read_results(t.path).costs == ladder_run(0, 3).costs);
}

TEST_CASE("the next append rolls back one that died before going on", "[results_journal]") {
    const torn_file t;
    tvaer::append_results(t.path, ladder_run(2, 2));
    CHECK(tvaer::read_results(t.path).costs == ladder_run(0, 4).costs);
    CHECK_FALSE(fs::exists(journal::name(t.path)));
}

TEST_CASE("a reader leaves the journal of a writer that is alive alone", "[results_journal]") {
    scratch tmp;
    const auto path = (tmp.dir / "live.h5").string();
    tvaer::write_results(path, ladder_run(0, 2), tvaer::make_provenance(tvaer::compile(tvaer::ladder_scenario(30)), ""));
    const auto before = bytes_of(path);
    // A live writer: it holds the writer lock and has saved its journal, but (waiting for the
    // readers' shared locks) has not touched the file yet.
    const int writer = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(::flock(writer, LOCK_EX | LOCK_NB) == 0);
    journal::save(path, {{0, before.size()}});
    CHECK(tvaer::read_results(path).replications == 2u);
    CHECK(fs::exists(journal::name(path)));
    CHECK(bytes_of(path) == before);
    ::close(writer);
}

TEST_CASE("a file that is not a journal is not applied", "[results_journal]") {
    scratch tmp;
    const auto path = (tmp.dir / "odd.h5").string();
    tvaer::write_results(path, ladder_run(0, 1), tvaer::make_provenance(tvaer::compile(tvaer::ladder_scenario(30)), ""));
    { std::ofstream(journal::name(path)) << "not a journal at all"; }
    REQUIRE_THROWS_WITH(tvaer::append_results(path, ladder_run(1, 1)),
                        "results file " + path + ": " + path + ".journal is not a tvaer journal; remove it if no tvaer "
                        "is writing");
}

TEST_CASE("writing a new file over one with a dead append's journal rolls the journal back first",
          "[results_journal]") {
    const torn_file t;
    tvaer::write_results(t.path, ladder_run(0, 3), tvaer::make_provenance(tvaer::compile(tvaer::ladder_scenario(30)), ""));
    CHECK_FALSE(fs::exists(journal::name(t.path)));
    CHECK(tvaer::read_results(t.path).costs == ladder_run(0, 3).costs);  // not the old file's bytes written into it
}
