#pragma once
// Writes output lines to a file descriptor in whole lines only: bytes leave the buffer with
// write(2) at line boundaries, so a killed process (even SIGKILL) leaves at most one partial
// line at the end of the file, which --resume cuts off.
#include <string>
#include <string_view>

namespace bertcls::batch {

class LineWriter {
public:
    // Does not take ownership of fd; `name` is for error messages.
    LineWriter(int fd, std::string name);
    ~LineWriter();  // flushes, ignoring errors
    LineWriter(const LineWriter&) = delete;
    LineWriter& operator=(const LineWriter&) = delete;

    // Appends `line` and a '\n'; writes out when the buffer is large.
    void write_line(std::string_view line);
    // Writes out everything buffered. Throws InputError when the output cannot be written.
    void flush();

private:
    int fd_;
    std::string name_, buffer_;
};

}  // namespace bertcls::batch
