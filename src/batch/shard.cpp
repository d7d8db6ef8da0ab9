#include "batch/shard.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace bertcls::batch {

namespace {

constexpr std::size_t kChunk = 1 << 20;

class Scanner {
public:
    Scanner(int fd, const std::string& name) : fd_(fd), name_(name), buffer_(kChunk) {}

    // Reads up to kChunk bytes at `offset`; returns how many (0 at end of file).
    std::size_t read_at(uint64_t offset) {
        for (;;) {
            const ssize_t got = ::pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(offset));
            if (got >= 0) return static_cast<std::size_t>(got);
            if (errno != EINTR) throw InputError(name_ + ": read error (" + std::strerror(errno) + ")");
        }
    }
    const char* data() const { return buffer_.data(); }

private:
    int fd_;
    const std::string& name_;
    std::vector<char> buffer_;
};

}  // namespace

ShardSpec parse_shard(const std::string& text) {
    ShardSpec s;
    const auto slash = text.find('/');
    const auto number = [&](std::size_t from, std::size_t to, uint64_t& out) {
        const char* first = text.data() + from;
        const char* last = text.data() + to;
        const auto [end, ec] = std::from_chars(first, last, out);
        return from < to && ec == std::errc() && end == last;
    };
    if (slash == std::string::npos || !number(0, slash, s.index) || !number(slash + 1, text.size(), s.count) ||
        s.count == 0 || s.index >= s.count)
        throw UsageError("--shard must be K/N with 0 <= K < N (the shards of 4 are 0/4, 1/4, 2/4 and 3/4), not '" + text +
                         "'");
    return s;
}

ShardRange locate_shard(int fd, const std::string& name, const ShardSpec& shard) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw InputError(name + ": --shard needs a regular file (it reads only its share of the input)");
    const auto size = static_cast<uint64_t>(st.st_size);
    const auto at = [&](uint64_t k) {
        return static_cast<uint64_t>(static_cast<unsigned __int128>(size) * k / shard.count);
    };
    const uint64_t start = at(shard.index), end = at(shard.index + 1);
    Scanner scan(fd, name);

    // The first line that starts at or after `start`.
    uint64_t begin = start;
    if (start > 0) {
        begin = size;
        for (uint64_t offset = start - 1; offset < size;) {
            const std::size_t got = scan.read_at(offset);
            if (got == 0) break;
            if (const void* nl = std::memchr(scan.data(), '\n', got)) {
                begin = offset + static_cast<uint64_t>(static_cast<const char*>(nl) - scan.data()) + 1;
                break;
            }
            offset += got;
        }
    }
    ShardRange range;
    range.begin = begin;
    range.limit = begin < end ? end - begin : 0;
    // Lines before it: the newlines in [0, begin).
    uint64_t newlines = 0;
    for (uint64_t offset = 0; offset < begin;) {
        const std::size_t got = scan.read_at(offset);
        if (got == 0) break;
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(got, begin - offset));
        newlines += static_cast<uint64_t>(std::count(scan.data(), scan.data() + n, '\n'));
        offset += n;
    }
    range.first_line = newlines + 1;
    if (::lseek(fd, static_cast<off_t>(begin), SEEK_SET) < 0)
        throw InputError(name + ": cannot seek (" + std::strerror(errno) + ")");
    return range;
}

}  // namespace bertcls::batch
