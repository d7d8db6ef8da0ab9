#include "util/same_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "util/error.h"

namespace bertcls {

namespace {

// Device and inode of a regular file, following symbolic links; none for anything else (a
// terminal or pipe on both stdin and stdout is normal) or a file that does not exist yet.
std::optional<std::pair<dev_t, ino_t>> regular_file_identity(const std::string& path, int std_fd) {
    struct stat st {};
    const int rc = path == "-" ? ::fstat(std_fd, &st) : ::stat(path.c_str(), &st);
    if (rc != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return std::pair{st.st_dev, st.st_ino};
}

std::string shown(const std::string& path, const char* std_name) { return path == "-" ? std_name : path; }

}  // namespace

void refuse_output_over_input(const std::string& input, const std::string& output) {
    const auto in = regular_file_identity(input, STDIN_FILENO);
    if (in && in == regular_file_identity(output, STDOUT_FILENO))
        throw UsageError("the output " + shown(output, "(stdout)") + " is the input file " + shown(input, "(stdin)") +
                         ": writing it would destroy the input; choose another output file");
}

}  // namespace bertcls
