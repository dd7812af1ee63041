// Running replications: stopping on request keeps exactly the complete replications, and a
// replication that is running when the stop comes is abandoned rather than finished.
#include "tvaer/replications.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <catch2/catch.hpp>

#include "tvaer/error.hpp"
#include "tvaer/reference.hpp"

using namespace tvaer;

TEST_CASE("replications: a set cancel flag stops an arm with tvaer::cancelled", "[replications]") {
    const model m = compile(ladder_scenario(20000));  // about 190,000 events, many checks
    const std::atomic<bool> stop{true};
    REQUIRE_THROWS_AS(simulate_arm(m, 1, 0, arm::bau, {.cancel = &stop}), cancelled);
    REQUIRE_THROWS_WITH(simulate_arm(m, 1, 0, arm::bau, {.cancel = &stop}), "the run was cancelled");
    const std::atomic<bool> go{false};
    CHECK(simulate_arm(m, 1, 0, arm::bau, {.cancel = &go}).events == simulate_arm(m, 1, 0, arm::bau).events);
}

TEST_CASE("replications: a stop during the first replication returns none, not a finished one",
          "[replications]") {
    // One replication of a million ladder families takes seconds; the first progress call comes
    // after at most 100 ms with nothing done. Stopping there must abandon the running
    // replication (before: it ran to its end and was returned).
    const model m = compile(ladder_scenario(1'000'000));
    run_options o;
    o.seed = 3;
    o.replications = 2;
    o.threads = 1;
    std::uint32_t calls = 0;
    std::uint32_t done_at_first_call = 99;
    o.progress = [&](std::uint32_t done) {
        if (calls++ == 0) done_at_first_call = done;
        return false;
    };
    const results r = run_replications(m, o);
    REQUIRE(done_at_first_call == 0);
    CHECK(r.replications == 0);
    CHECK(r.costs.empty());
    CHECK(r.events.empty());
}

TEST_CASE("replications: a stop after some replications keeps exactly those", "[replications]") {
    const model m = compile(ladder_scenario(2000));
    run_options o;
    o.seed = 5;
    o.replications = 50;
    o.threads = 1;  // in order, so three done means replications 0, 1 and 2
    o.progress = [](std::uint32_t done) { return done < 3; };
    const results part = run_replications(m, o);
    REQUIRE(part.replications >= 3);
    REQUIRE(part.replications < 50);
    run_options whole_o;
    whole_o.seed = 5;
    whole_o.replications = part.replications;
    const results whole = run_replications(m, whole_o);
    CHECK(part.costs == whole.costs);
    CHECK(part.events == whole.events);
}

TEST_CASE("replications: the caller's cancel flag stops the run like progress returning false", "[replications]") {
    const model m = compile(ladder_scenario(2000));
    const std::atomic<bool> stop{true};
    run_options o;
    o.seed = 5;
    o.replications = 50;
    o.threads = 1;
    o.record.cancel = &stop;
    const results part = run_replications(m, o);
    CHECK(part.replications < 50);
    CHECK(part.events.size() == 2 * part.replications);
}

TEST_CASE("replications: two threads append in replication order and the arrays keep no slack", "[replications]") {
    // Replications finish out of order on two threads and are appended as they come in order;
    // one thread, appending one by one, is the independent reference.
    const model m = compile(ladder_scenario(300));
    run_options one;
    one.seed = 9;
    one.replications = 37;  // not a power of two: growth by doubling would leave room over
    one.threads = 1;
    run_options two = one;
    two.threads = 2;
    const results a = run_replications(m, one);
    const results b = run_replications(m, two);
    REQUIRE(b.replications == 37);
    CHECK(a.costs == b.costs);
    CHECK(a.transitions == b.transitions);
    CHECK(a.events == b.events);
    // Room for exactly 37 replications, reserved after the first (reserve_replications).
    CHECK(b.costs.capacity() == b.costs.size());
    CHECK(b.occupancy.capacity() == b.occupancy.size());
    CHECK(b.events.capacity() == b.events.size());
}

namespace {

// 400 replications on two threads, handed over 4 at a time (deliver set by each test).
run_options blocks_of_four() {
    run_options o;
    o.seed = 4;
    o.replications = 400;
    o.threads = 2;
    o.block = 4;
    return o;
}

}  // namespace

TEST_CASE("replications: blocks are delivered in order as they complete and add up to one run", "[replications]") {
    // 37 replications in blocks of 5: seven blocks delivered, two returned; put back together
    // they are the run without blocks, on one thread and on two.
    const model m = compile(ladder_scenario(300));
    run_options whole;
    whole.seed = 9;
    whole.replications = 37;
    const results reference = run_replications(m, whole);
    for (unsigned threads : {1u, 2u}) {
        run_options o = whole;
        o.threads = threads;
        o.block = 5;
        std::vector<results> got;
        o.deliver = [&](results&& r) {
            got.push_back(std::move(r));
            return true;
        };
        const results rest = run_replications(m, o);
        REQUIRE(got.size() == 7);
        CHECK(rest.replications == 2);
        CHECK(rest.first_replication == 35);
        results joined = got[0];
        for (std::size_t k = 1; k < got.size(); ++k) {
            CHECK(got[k].first_replication == 5 * k);
            CHECK(got[k].replications == 5);
            CHECK(got[k].costs.capacity() == got[k].costs.size());  // room for a block, not the run
            joined.append(got[k]);
        }
        joined.append(rest);
        CHECK(joined.costs == reference.costs);
        CHECK(joined.transitions == reference.transitions);
        CHECK(joined.events == reference.events);
    }
}

TEST_CASE("replications: deliver returning false stops the run and returns the complete ones after the blocks",
          "[replications]") {
    const model m = compile(ladder_scenario(300));
    run_options o = blocks_of_four();
    std::uint32_t delivered = 0;
    o.deliver = [&](results&& r) {
        delivered += r.replications;
        return delivered < 8;  // stop at the second block
    };
    const results rest = run_replications(m, o);
    CHECK(delivered == 8);
    CHECK(rest.first_replication == 8);
    CHECK(rest.replications < 392);  // stopped early; what finished after the second block is kept
    run_options same = o;
    same.deliver = nullptr;
    same.block = 0;
    same.first_replication = 8;
    same.replications = rest.replications;
    if (rest.replications > 0) CHECK(run_replications(m, same).costs == rest.costs);
}

TEST_CASE("replications: an exception from deliver is raised after the threads stop", "[replications]") {
    const model m = compile(ladder_scenario(300));
    run_options o = blocks_of_four();
    std::uint32_t calls = 0;
    o.deliver = [&](results&&) -> bool {
        if (++calls == 2) throw std::runtime_error("the writer failed");
        return true;
    };
    CHECK_THROWS_WITH(run_replications(m, o), "the writer failed");
    CHECK(calls == 2);  // no block is delivered after the failure
}

TEST_CASE("replications: a slow deliver holds the threads back at most a block ahead", "[replications]") {
    // While the first block is being delivered (500 ms), the threads may finish only the
    // replications less than a block past those appended before it (3 + 4): 4, 5 and 6. The
    // run is then stopped, so those three are what comes back; without the bound the two threads
    // would have run all the others in that time. Small replications (300 families, well under
    // a millisecond each, some ms under the sanitizers) so that the three surely finish: with
    // 3,000 families the sanitizer build once finished only two in 200 ms.
    const model m = compile(ladder_scenario(300));
    run_options o = blocks_of_four();
    o.deliver = [&](results&&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return false;
    };
    const results rest = run_replications(m, o);
    CHECK(rest.first_replication == 4);
    CHECK(rest.replications == 3);
}
