// A hand-written, single-purpose program of exactly the reference model (shared/bench/ladder.md),
// independent of the engine: its own records, event set and generator. It is the yardstick for
// the engine's throughput and a second implementation for the engine's mean yearly costs.
// Usage: tvaer_bench_ladder_baseline N [replications=1] [seed=1]
// Prints the same key=value lines and cost table as tvaer_bench_ladder.
//
// Design: 32-byte family records; a bucket queue of contiguous per-bucket vectors (about 32
// pending events each), sorted when the clock reaches a bucket, with the family records of the
// next few events prefetched; one sequential SplitMix64 generator; stale events are skipped by
// generation tags. A rate change redraws the adult's clock (valid: the clocks are memoryless).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr double horizon = 120.0;
enum adult_state : std::uint8_t { S1, S2, S3, JOB };
enum child_state : std::uint8_t { NONE, PREVENTIVE, PLACEMENT };
enum kind : std::uint32_t { k_adult = 0, k_child = 1, k_mentor_end = 2 };
enum sector : int { employment = 0, adults = 1, children = 2 };

struct rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    double exponential(double rate) { return -std::log(uniform()) / rate; }
};

struct family {
    double adult_entry;
    double child_entry;
    double mentor_start;
    std::uint16_t spell;  // adult transitions so far (mod 2^16): a queued request is valid while unchanged
    std::uint8_t adult;
    std::uint8_t child;
    std::uint8_t adult_gen;
    std::uint8_t mentor_gen;
    std::uint8_t mentored;
};
static_assert(sizeof(family) == 32);

struct ev {
    double t;
    std::uint32_t fam;
    std::uint32_t tag;  // kind | generation << 2
};

// Buckets of equal width over [0, horizon]; the open bucket is sorted by time, stably, so
// events at equal times leave in the order they were pushed.
class bucket_queue {
public:
    explicit bucket_queue(std::size_t expected_pending)
        : buckets_(std::max<std::size_t>(16, expected_pending / 32) + 1) {
        inv_width_ = static_cast<double>(buckets_.size() - 1) / horizon;
    }
    void push(double t, std::uint32_t fam, std::uint32_t tag) {
        if (t > horizon) return;
        const std::size_t b = std::min(static_cast<std::size_t>(t * inv_width_), buckets_.size() - 1);
        if (b >= cur_) {  // not yet open (the open bucket is cur_ - 1)
            buckets_[b].push_back({t, fam, tag});
            return;
        }
        const auto from = drain_.begin() + static_cast<std::ptrdiff_t>(next_);
        const auto pos = std::upper_bound(from, drain_.end(), t, [](double x, const ev& e) { return x < e.t; });
        drain_.insert(pos, ev{t, fam, tag});
    }
    // The next event, or false at the end. `prefetch` is called with the family of a later event.
    template <class Prefetch>
    bool pop(ev& out, Prefetch&& prefetch) {
        while (next_ == drain_.size()) {
            drain_.clear();
            next_ = 0;
            if (cur_ >= buckets_.size()) return false;
            auto& b = buckets_[cur_++];
            drain_.swap(b);
            std::vector<ev>().swap(b);
            sort_open();
        }
        out = drain_[next_++];
        if (next_ + 4 < drain_.size()) prefetch(drain_[next_ + 4].fam);
        return true;
    }
    [[nodiscard]] std::size_t bytes() const {
        std::size_t n = buckets_.capacity() * sizeof(std::vector<ev>) + drain_.capacity() * sizeof(ev);
        for (const auto& b : buckets_) n += b.capacity() * sizeof(ev);
        return n;
    }

private:
    // Insertion sort: stable and fastest for the few dozen events of a bucket.
    void sort_open() {
        for (std::size_t i = 1; i < drain_.size(); ++i) {
            const ev e = drain_[i];
            std::size_t j = i;
            for (; j > 0 && drain_[j - 1].t > e.t; --j) drain_[j] = drain_[j - 1];
            drain_[j] = e;
        }
    }
    std::vector<std::vector<ev>> buckets_;
    std::vector<ev> drain_;  // the open bucket, sorted; events before next_ have left
    std::size_t next_ = 0;
    double inv_width_;
    std::size_t cur_ = 0;  // the next bucket to open
};

struct queued {
    std::uint32_t fam;
    std::uint16_t spell;
};

class ladder {
public:
    ladder(std::uint32_t n, std::uint64_t seed)
        : n_(n), cap_(std::max<std::uint32_t>(1, n / 20)), rng_{seed}, fams_(n), cal_(2 * static_cast<std::size_t>(n)) {}

    void run() {
        for (std::uint32_t f = 0; f < n_; ++f) init(f);
        for (std::uint32_t f = 0; f < n_; ++f)
            if (fams_[f].adult == S2) request(f, 0.0, true);
        ev e{};
        const family* base = fams_.data();
        while (cal_.pop(e, [base](std::uint32_t f) { __builtin_prefetch(base + f); })) handle(e);
        for (std::uint32_t f = 0; f < n_; ++f) settle(f);
    }

    std::uint64_t events = 0;
    std::uint64_t dropped = 0;
    double cost[10][3] = {};
    [[nodiscard]] std::size_t engine_bytes() const {
        return fams_.capacity() * sizeof(family) + cal_.bytes() + queue_.capacity() * sizeof(queued);
    }

private:
    static double adult_cost_rate(std::uint8_t s, int sec) {
        if (sec == employment) return s == JOB ? 0.0 : 15000.0;
        return s == S1 ? 5000.0 : 0.0;
    }
    void accrue(int sec, double rate, double t0, double t1) {
        if (rate == 0.0) return;
        for (auto y = static_cast<int>(t0 / 12.0); y < 10 && 12.0 * y < t1; ++y) {
            const double a = std::max(t0, 12.0 * y);
            const double b = std::min(t1, 12.0 * (y + 1));
            if (b > a) cost[y][sec] += rate * (b - a);
        }
    }
    void book_adult(const family& f, double t) {
        accrue(employment, adult_cost_rate(f.adult, employment), f.adult_entry, t);
        accrue(adults, adult_cost_rate(f.adult, adults), f.adult_entry, t);
    }
    void book_child(const family& f, double t) {
        const double rate = f.child == PREVENTIVE ? 8000.0 : (f.child == PLACEMENT ? 60000.0 : 0.0);
        accrue(children, rate, f.child_entry, t);
    }
    static double s2_to_s3(const family& f) { return f.mentored ? 0.12 : 0.08; }
    double adult_rate(const family& f) const {
        switch (f.adult) {
            case S1: return 0.06;
            case S2: return 0.02 + s2_to_s3(f);
            case S3: return 0.12;
            default: return 0.01;
        }
    }
    static double child_rate(std::uint8_t s) { return s == NONE ? 0.01 : (s == PREVENTIVE ? 0.05 : 0.03); }

    void init(std::uint32_t i) {
        family& f = fams_[i];
        f = family{};
        const double ua = rng_.uniform();
        f.adult = ua < 0.40 ? S1 : (ua < 0.75 ? S2 : S3);
        const double uc = rng_.uniform();
        f.child = uc < 0.50 ? NONE : (uc < 0.90 ? PREVENTIVE : PLACEMENT);
        schedule_adult(i, 0.0);
        cal_.push(rng_.exponential(child_rate(f.child)), i, k_child);
    }
    void schedule_adult(std::uint32_t i, double t) {
        family& f = fams_[i];
        ++f.adult_gen;
        cal_.push(t + rng_.exponential(adult_rate(f)), i, k_adult | (static_cast<std::uint32_t>(f.adult_gen) << 2));
    }

    void handle(const ev& e) {
        family& f = fams_[e.fam];
        switch (e.tag & 3u) {
            case k_adult:
                if ((e.tag >> 2) == f.adult_gen) adult_moves(e.fam, e.t);
                break;
            case k_child: child_moves(e.fam, e.t); break;
            default:
                if ((e.tag >> 2) == f.mentor_gen) end_mentor(e.fam, e.t, true);
        }
    }

    void adult_moves(std::uint32_t i, double t) {
        family& f = fams_[i];
        const double u = rng_.uniform() * adult_rate(f);
        std::uint8_t to = JOB;
        switch (f.adult) {
            case S1: to = S2; break;
            case S2: to = u < 0.02 ? S1 : S3; break;
            case S3: to = u < 0.02 ? S2 : JOB; break;
            default: to = S3;
        }
        book_adult(f, t);
        ++events;
        f.adult = to;
        f.adult_entry = t;
        ++f.spell;
        if (to == S1 && f.mentored) end_mentor(i, t, false);
        if (to == S2 && !f.mentored) request(i, t, false);
        schedule_adult(i, t);
    }

    void child_moves(std::uint32_t i, double t) {
        family& f = fams_[i];
        const double u = rng_.uniform() * child_rate(f.child);
        std::uint8_t to = PREVENTIVE;
        if (f.child == PREVENTIVE) to = u < 0.04 ? NONE : PLACEMENT;
        book_child(f, t);
        ++events;
        f.child = to;
        f.child_entry = t;
        cal_.push(t + rng_.exponential(child_rate(to)), i, k_child);
    }

    // redraw: the adult's clock is already running (else the caller draws it after the request).
    void request(std::uint32_t i, double t, bool redraw) {
        if (busy_ < cap_) {
            start_mentor(i, t, redraw);
            return;
        }
        queue_.push_back({i, fams_[i].spell});
        ++events;
    }

    void start_mentor(std::uint32_t i, double t, bool redraw) {
        family& f = fams_[i];
        ++busy_;
        ++events;
        f.mentored = 1;
        f.mentor_start = t;
        ++f.mentor_gen;
        cal_.push(t + rng_.exponential(1.0 / 6.0), i, k_mentor_end | (static_cast<std::uint32_t>(f.mentor_gen) << 2));
        if (redraw && f.adult == S2) schedule_adult(i, t);
    }

    // natural: the end event fired; otherwise S2 -> S1 ended it (the caller redraws the clock).
    void end_mentor(std::uint32_t i, double t, bool natural) {
        family& f = fams_[i];
        accrue(adults, 10000.0, f.mentor_start, t);
        ++events;
        f.mentored = 0;
        ++f.mentor_gen;
        --busy_;
        if (natural && f.adult == S2) schedule_adult(i, t);
        while (busy_ < cap_ && head_ < queue_.size()) {
            const queued q = queue_[head_++];
            if (fams_[q.fam].spell != q.spell) {
                ++dropped;
                continue;
            }
            start_mentor(q.fam, t, true);
        }
        if (head_ > 4096 && head_ * 2 > queue_.size()) {
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

    void settle(std::uint32_t i) {
        const family& f = fams_[i];
        book_adult(f, horizon);
        book_child(f, horizon);
        if (f.mentored) accrue(adults, 10000.0, f.mentor_start, horizon);
    }

    std::uint32_t n_;
    std::uint32_t cap_;
    std::uint32_t busy_ = 0;
    rng rng_;
    std::vector<family> fams_;
    bucket_queue cal_;
    std::vector<queued> queue_;
    std::size_t head_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s N [replications=1] [seed=1]\n", argv[0]);
        return 2;
    }
    const auto n = static_cast<std::uint32_t>(std::stoul(argv[1]));
    const int reps = argc > 2 ? std::stoi(argv[2]) : 1;
    const std::uint64_t seed = argc > 3 ? std::stoull(argv[3]) : 1;
    double year_sector[10][3] = {};
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        ladder model(n, seed * 0x100000001b3ULL + static_cast<std::uint64_t>(r));
        model.run();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("N=%u rep=%d events=%llu wall_s=%.4f events_per_s=%.0f peak_rss_mb=%.1f engine_bytes_per_family=%.1f dropped=%llu"
                    " y1_employment=%.1f y1_adults=%.1f y1_children=%.1f\n",
                    n, r, static_cast<unsigned long long>(model.events), wall, static_cast<double>(model.events) / wall,
                    static_cast<double>(ru.ru_maxrss) / 1024.0, static_cast<double>(model.engine_bytes()) / n,
                    static_cast<unsigned long long>(model.dropped), model.cost[0][0] / n, model.cost[0][1] / n,
                    model.cost[0][2] / n);
        for (int y = 0; y < 10; ++y)
            for (int s = 0; s < 3; ++s) year_sector[y][s] += model.cost[y][s] / n / reps;
    }
    std::printf("year,employment,adults,children  (mean DKK per family)\n");
    for (int y = 0; y < 10; ++y) {
        std::printf("%d,%.0f,%.0f,%.0f\n", y + 1, year_sector[y][0], year_sector[y][1], year_sector[y][2]);
    }
    return 0;
}
