// src/batch I/O: the bounded line reader, whole-line writer and --resume's cut of a partial line.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "batch/line_reader.h"
#include "batch/line_writer.h"
#include "batch/resume.h"

using namespace bertcls::batch;

namespace {

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/bertcls-batch-XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

std::vector<Line> read_all(const std::string& content, std::size_t max_bytes) {
    TempFile file(content);
    const int fd = ::open(file.path.c_str(), O_RDONLY);
    LineReader reader(fd, max_bytes);
    std::vector<Line> lines;
    for (Line line; reader.next(line);) lines.push_back(line);
    CHECK(reader.bytes_consumed() == content.size());
    ::close(fd);
    return lines;
}

}  // namespace

TEST_CASE("line reader splits on newlines and keeps a last line without one", "[batch]") {
    const auto lines = read_all("a\n\nbcd\r\nlast", 100);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].text == "a");
    CHECK(lines[1].text.empty());
    CHECK(lines[2].text == "bcd\r");
    CHECK(lines[3].text == "last");
    CHECK(lines[3].number == 4);
    CHECK(read_all("", 100).empty());
    CHECK(read_all("x\n", 100).size() == 1);
}

TEST_CASE("line reader reports over-long lines without storing them", "[batch]") {
    // Long lines larger than the read buffer (1 MiB) and exactly at the limit.
    const std::string huge(3 << 20, 'x');
    const auto lines = read_all("ok\n" + huge + "\n" + std::string(10, 'y') + "\n" + std::string(11, 'z') + "\nend", 10);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0].text == "ok");
    CHECK(lines[1].too_long);
    CHECK(lines[1].text.empty());
    CHECK(lines[1].bytes == huge.size());
    CHECK_FALSE(lines[2].too_long);
    CHECK(lines[2].text == std::string(10, 'y'));
    CHECK(lines[3].too_long);
    CHECK(lines[4].text == "end");
    CHECK(lines[4].number == 5);
    // An over-long last line without a newline.
    const auto tail = read_all("a\n" + huge, 10);
    REQUIRE(tail.size() == 2);
    CHECK(tail[1].too_long);
}

TEST_CASE("line writer writes whole lines", "[batch]") {
    TempFile file("");
    const int fd = ::open(file.path.c_str(), O_WRONLY | O_TRUNC);
    {
        LineWriter writer(fd, file.path);
        writer.write_line("{\"a\":1}");
        writer.write_line("");
        writer.flush();
        CHECK(file.read() == "{\"a\":1}\n\n");
        writer.write_line("x");
    }  // the destructor flushes
    ::close(fd);
    CHECK(file.read() == "{\"a\":1}\n\nx\n");
}

TEST_CASE("resume counts complete lines and error records and cuts a partial line", "[batch]") {
    TempFile file(
        "{\"text\":\"a\",\"prediction\":{\"label\":\"joy\",\"score\":0.9}}\n"
        "{\"error\":\"invalid JSON\",\"line\":2}\n"
        "{\"error\":\"their own field\",\"line\":3,\"prediction\":{\"label\":\"joy\",\"score\":0.9}}\n"
        "{\"text\":\"partial\",\"predic");
    const ResumePoint point = prepare_resume(file.path);
    CHECK(point.lines == 3);
    CHECK(point.errors == 1);
    CHECK(file.read().ends_with("\"score\":0.9}}\n"));
    // Idempotent, and a missing file means starting from the beginning.
    CHECK(prepare_resume(file.path).lines == 3);
    CHECK(prepare_resume(file.path + ".missing").lines == 0);
}

TEST_CASE("line reader drops a UTF-8 byte order mark at the start of the input only", "[batch]") {
    const auto lines = read_all("\xEF\xBB\xBF{\"a\": 1}\n\xEF\xBB\xBFsecond\n", 100);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].text == "{\"a\": 1}");
    CHECK(lines[0].bytes == 11);  // the input's bytes, mark included, so byte counts stay true
    CHECK(lines[1].text == "\xEF\xBB\xBFsecond");  // not at the start of the input: not a mark
}
