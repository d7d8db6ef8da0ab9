#include "util/whole_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"
#include "util/text_input.h"

namespace bertcls {

std::string read_whole_input(const std::string& path, std::size_t max_bytes, std::string_view limit_name) {
    const std::string name = path == "-" ? "stdin" : path;
    int fd = STDIN_FILENO;
    if (path != "-") {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw InputError(path + ": cannot open file (" + std::strerror(errno) + ")");
    }
    struct Closer {
        int fd;
        ~Closer() {
            if (fd != STDIN_FILENO) ::close(fd);
        }
    } closer{fd};
    struct stat st {};
    // Opening a directory succeeds and reading it fails later with a vaguer message.
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) throw InputError(name + ": is a directory");
    std::string text;
    std::vector<char> buffer(1 << 16);
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw InputError(name + ": read error (" + std::strerror(errno) + ")");
        if (got == 0) return text.erase(0, utf8_bom_size(text));
        if (text.size() + static_cast<std::size_t>(got) > max_bytes)
            throw InputError(name + ": text is longer than " + std::string(limit_name) + " " + std::to_string(max_bytes));
        text.append(buffer.data(), static_cast<std::size_t>(got));
    }
}

}  // namespace bertcls
