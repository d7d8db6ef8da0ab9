#include "util/input_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace bertcls {

InputFile::InputFile(const std::string& path) : fd_(STDIN_FILENO), name_(path == "-" ? "stdin" : path) {
    if (path == "-") return;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path + ": cannot open file (" + std::strerror(errno) + ")");
}

InputFile::~InputFile() {
    if (fd_ != STDIN_FILENO) ::close(fd_);
}

}  // namespace bertcls
