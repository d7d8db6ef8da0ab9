#include "util/whole_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"
#include "util/input_file.h"
#include "util/text_input.h"

namespace bertcls {

std::string read_whole_input(const std::string& path, std::size_t max_bytes, std::string_view limit_name) {
    const InputFile input(path);
    const std::string& name = input.name();
    const int fd = input.fd();
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
