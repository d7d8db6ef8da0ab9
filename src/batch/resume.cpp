#include "batch/resume.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "batch/line_reader.h"
#include "batch/output_format.h"
#include "util/error.h"

namespace bertcls::batch {

namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// Only error records need their text, and those are short; longer lines are only counted.
constexpr std::size_t kErrorLineBytes = 1 << 16;

}  // namespace

ResumePoint prepare_resume(const std::string& output_path) {
    Fd file{::open(output_path.c_str(), O_RDWR | O_CLOEXEC)};
    if (file.fd < 0) {
        if (errno == ENOENT) return {};
        throw InputError(output_path + ": cannot open for --resume (" + std::strerror(errno) + ")");
    }
    ResumePoint point;
    uint64_t complete_bytes = 0;  // end of the last complete line
    LineReader reader(file.fd, kErrorLineBytes);
    Line line;
    while (reader.next(line)) {
        const bool complete = reader.bytes_consumed() == complete_bytes + line.bytes + 1;
        if (!complete) break;  // the partial last line: no '\n' after it
        complete_bytes = reader.bytes_consumed();
        ++point.lines;
        if (!line.too_long && is_error_json(line.text)) ++point.errors;
    }
    if (::ftruncate(file.fd, static_cast<off_t>(complete_bytes)) != 0)
        throw InputError(output_path + ": cannot truncate the partial last line (" + std::strerror(errno) + ")");
    return point;
}

}  // namespace bertcls::batch
