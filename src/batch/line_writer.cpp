#include "batch/line_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace bertcls::batch {

namespace {
constexpr std::size_t kFlushBytes = 1 << 20;
}

LineWriter::LineWriter(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

LineWriter::~LineWriter() {
    try {
        flush();
    } catch (...) {
    }
}

void LineWriter::write_line(std::string_view line) {
    buffer_.append(line);
    buffer_ += '\n';
    if (buffer_.size() >= kFlushBytes) flush();
}

void LineWriter::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string reason = std::strerror(errno);
            buffer_.clear();
            throw InputError(name_ + ": write error (" + reason + ")");
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

}  // namespace bertcls::batch
