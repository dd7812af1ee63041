// The undo journal of in-place appends (results_journal.hpp).
#include "results_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <thread>

#include "tvaer/error.hpp"

namespace tvaer::detail::journal {

namespace {

constexpr char magic[8] = {'t', 'v', 'a', 'e', 'r', 'j', '1', '\n'};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw file_error(fmt::format("results file {}: {}: {}", path, what, std::strerror(errno)));
}

/// A file descriptor that closes itself.
struct fd_guard {
    int fd;
    explicit fd_guard(int f) : fd(f) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

void write_all(int fd, const void* data, std::size_t n, std::uint64_t at, const std::string& path, const char* what) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(at));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail(path, what);
        p += w, n -= static_cast<std::size_t>(w), at += static_cast<std::uint64_t>(w);
    }
}

void read_all(int fd, void* data, std::size_t n, std::uint64_t at, const std::string& path, const char* what) {
    auto* p = static_cast<char*>(data);
    while (n > 0) {
        const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(at));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = EIO;
            fail(path, what);
        }
        p += r, n -= static_cast<std::size_t>(r), at += static_cast<std::uint64_t>(r);
    }
}

std::uint64_t size_of(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(path, "cannot read its size");
    return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

std::vector<range> complement(std::vector<range> kept, std::uint64_t size) {
    std::sort(kept.begin(), kept.end(), [](const range& a, const range& b) { return a.offset < b.offset; });
    std::vector<range> out;
    std::uint64_t at = 0;
    for (const auto& k : kept) {
        const std::uint64_t begin = std::min(k.offset, size), end = std::min(k.offset + k.length, size);
        if (begin > at) out.push_back({at, begin - at});
        at = std::max(at, end);
    }
    if (at < size) out.push_back({at, size - at});
    return out;
}

std::string name(const std::string& path) { return path + ".journal"; }

void save(const std::string& path, const std::vector<range>& saved) {
    const fd_guard src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (src.fd < 0) fail(path, "cannot open it to journal an append");
    const std::string tmp = name(path) + ".tmp";
    {
        const fd_guard out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (out.fd < 0) fail(path, "cannot create " + tmp);
        std::uint64_t at = 0;
        const std::uint64_t head[2] = {size_of(src.fd, path), saved.size()};
        write_all(out.fd, magic, sizeof magic, at, path, "cannot write its journal");
        write_all(out.fd, head, sizeof head, at += sizeof magic, path, "cannot write its journal");
        at += sizeof head;
        std::vector<char> buf;
        for (const auto& r : saved) {
            buf.resize(r.length);
            read_all(src.fd, buf.data(), buf.size(), r.offset, path, "cannot read it to journal an append");
            const std::uint64_t where[2] = {r.offset, r.length};
            write_all(out.fd, where, sizeof where, at, path, "cannot write its journal");
            write_all(out.fd, buf.data(), buf.size(), at += sizeof where, path, "cannot write its journal");
            at += r.length;
        }
    }
    if (std::rename(tmp.c_str(), name(path).c_str()) != 0) {
        std::remove(tmp.c_str());
        fail(path, "cannot rename " + tmp + " to " + name(path));
    }
}

bool roll_back(const std::string& path) {
    std::remove((name(path) + ".tmp").c_str());  // a journal never completed: the file was not touched
    const fd_guard j(::open(name(path).c_str(), O_RDONLY | O_CLOEXEC));
    if (j.fd < 0) {
        if (errno == ENOENT) return false;
        fail(path, "cannot open " + name(path));
    }
    const fd_guard f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (f.fd < 0) fail(path, "cannot open it to roll back an unfinished append");
    char m[sizeof magic];
    std::uint64_t head[2];
    read_all(j.fd, m, sizeof m, 0, path, "cannot read its journal");
    if (std::memcmp(m, magic, sizeof magic) != 0) {
        throw file_error(fmt::format("results file {}: {} is not a tvaer journal; remove it if no tvaer is writing",
                                     path, name(path)));
    }
    read_all(j.fd, head, sizeof head, sizeof m, path, "cannot read its journal");
    std::uint64_t at = sizeof m + sizeof head;
    std::vector<char> buf;
    for (std::uint64_t i = 0; i < head[1]; ++i) {
        std::uint64_t where[2];
        read_all(j.fd, where, sizeof where, at, path, "cannot read its journal");
        buf.resize(where[1]);
        read_all(j.fd, buf.data(), buf.size(), at += sizeof where, path, "cannot read its journal");
        write_all(f.fd, buf.data(), buf.size(), where[0], path, "cannot roll back an unfinished append");
        at += where[1];
    }
    if (::ftruncate(f.fd, static_cast<off_t>(head[0])) != 0) fail(path, "cannot roll back an unfinished append");
    if (std::remove(name(path).c_str()) != 0) fail(path, "cannot remove " + name(path));
    return true;
}

file_lock::file_lock(const std::string& path, bool exclusive, double seconds, const char* waiting_for) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail(path, "cannot open it");
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            ::close(fd_);
            fail(path, "cannot lock it");
        }
        if (std::chrono::steady_clock::now() > until) {
            ::close(fd_);
            throw file_error(fmt::format("results file {}: waited {:g} s for {}", path, seconds, waiting_for));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

file_lock::~file_lock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace tvaer::detail::journal
