#include "batch/line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"
#include "util/text_input.h"

namespace bertcls::batch {

namespace {
constexpr std::size_t kReadChunk = 1 << 20;
}

std::string too_long_message(const Line& line, std::size_t max_line_bytes) {
    return "line has " + std::to_string(line.bytes) + " bytes, more than --max-record-bytes " + std::to_string(max_line_bytes);
}

LineReader::LineReader(int fd, std::size_t max_line_bytes, uint64_t first_line, uint64_t limit)
    : fd_(fd), max_line_bytes_(max_line_bytes), buffer_(kReadChunk), line_number_(first_line - 1),
      limit_(limit) {}

bool LineReader::fill() {
    if (eof_) return false;
    // Keep unread bytes at the front, then read after them.
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (buffer_.size() - end_ < kReadChunk / 2) buffer_.resize(end_ + kReadChunk);
    for (;;) {
        const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
        if (got > 0) {
            end_ += static_cast<std::size_t>(got);
            return true;
        }
        if (got == 0) {
            eof_ = true;
            return false;
        }
        if (errno != EINTR) throw InputError(std::string("input: read error (") + std::strerror(errno) + ")");
    }
}

bool LineReader::next(Line& line) {
    line.text.clear();
    line.bytes = 0;
    line.too_long = false;
    if (consumed_ >= limit_) return false;
    // Ends the line at `length` held bytes, plus the '\n' when there is one.
    const auto finish = [&](std::size_t length, std::size_t newline) {
        if (line.bytes + length > max_line_bytes_) line.too_long = true;
        if (!line.too_long) line.text.assign(buffer_.data() + begin_, length);
        // A byte order mark is not text; `bytes` still counts it, as it counts input bytes.
        if (line_number_ == 0) line.text.erase(0, utf8_bom_size(line.text));
        line.bytes += length;
        begin_ += length + newline;
        consumed_ += length + newline;
        line.number = ++line_number_;
    };
    std::size_t scanned = 0;  // held bytes already known to hold no '\n'
    for (;;) {
        const char* base = buffer_.data() + begin_;
        const std::size_t held = end_ - begin_;
        if (const void* nl = std::memchr(base + scanned, '\n', held - scanned)) {
            finish(static_cast<std::size_t>(static_cast<const char*>(nl) - base), 1);
            return true;
        }
        scanned = held;
        if (line.bytes + held > max_line_bytes_) {
            // Over-long: drop what is held and read on until the line ends.
            line.too_long = true;
            line.bytes += held;
            consumed_ += held;
            begin_ = end_;
            scanned = 0;
        }
        if (!fill()) {
            if (end_ == begin_ && line.bytes == 0) return false;
            finish(end_ - begin_, 0);  // a last line without '\n'
            return true;
        }
    }
}

}  // namespace bertcls::batch
