#pragma once
// Reads '\n'-terminated lines from a file descriptor with a bound on what one line may cost:
// a line longer than the limit is read through and reported as too long, but never stored, so a
// single huge line cannot exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bertcls::batch {

struct Line {
    std::string text;         // without the '\n' (nor, on line 1, a UTF-8 byte order mark); empty when too_long
    uint64_t number = 0;      // 1-based line number in the input
    uint64_t bytes = 0;       // the line's size in the input without the '\n'
    bool too_long = false;
};

// The message of an error record for a line over the limit (Line::too_long).
std::string too_long_message(const Line& line, std::size_t max_line_bytes);

class LineReader {
public:
    // Does not take ownership of fd. `first_line` numbers the first line read (a piece of a
    // larger file starts past 1; only line 1 may carry a byte order mark). With `limit`, the
    // reader owns only the lines that start within its first `limit` bytes: a line that starts
    // there is read whole, past the limit, and no line after it (`bertcls batch --shard`).
    LineReader(int fd, std::size_t max_line_bytes, uint64_t first_line = 1, uint64_t limit = UINT64_MAX);

    // The next line; false at end of input. A last line without '\n' still counts.
    // Throws InputError on a read error.
    bool next(Line& line);

    uint64_t bytes_consumed() const { return consumed_; }
    std::size_t max_line_bytes() const { return max_line_bytes_; }

private:
    bool fill();  // reads more; false at end of input

    int fd_;
    std::size_t max_line_bytes_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    uint64_t consumed_ = 0, line_number_ = 0, limit_ = UINT64_MAX;
};

}  // namespace bertcls::batch
