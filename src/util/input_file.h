#pragma once
// An input named on the command line, as a file descriptor: "-" is stdin (left open), anything
// else a file opened for reading and closed with this object.
#include <string>

namespace bertcls {

class InputFile {
public:
    // Throws InputError "PATH: cannot open file (reason)".
    explicit InputFile(const std::string& path);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    int fd() const { return fd_; }
    // "stdin" or the path, for messages.
    const std::string& name() const { return name_; }

private:
    int fd_;
    std::string name_;
};

}  // namespace bertcls
