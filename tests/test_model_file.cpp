// The model loader rejects every kind of broken file with one line naming the file and the
// problem, before any weight is read. Each case starts from a real converted model and breaks
// one thing in it.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "format/model_file.h"
#include "reference_data.h"
#include "util/error.h"

using namespace bertcls;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

fs::path write_temp(const std::string& name, const std::string& bytes) {
    const fs::path path = fs::temp_directory_path() / ("bertcls-test-" + name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

struct Parsed {
    nlohmann::ordered_json header;
    std::string data;
};

Parsed split(const std::string& file) {
    uint64_t n = 0;
    std::memcpy(&n, file.data(), 8);
    return {nlohmann::ordered_json::parse(file.substr(8, n)), file.substr(8 + n)};
}

std::string join(const nlohmann::ordered_json& header, const std::string& data) {
    std::string text = header.dump();
    text.append((64 - (8 + text.size()) % 64) % 64, ' ');  // aligned data, as the converter writes it
    const uint64_t n = text.size();
    std::string out(reinterpret_cast<const char*>(&n), 8);
    return out + text + data;
}

// Loads `bytes` as a model file and returns the error message (empty when it loaded).
std::string load_error(const std::string& name, const std::string& bytes) {
    const fs::path path = write_temp(name, bytes);
    try {
        ModelFile model(path);
    } catch (const InputError& e) {
        fs::remove(path);
        return e.what();
    }
    fs::remove(path);
    return "";
}

}  // namespace

TEST_CASE("model loader rejects broken files with a one-line error", "[format]") {
    const fs::path source = test::test_data_dir() / ".." / ".." / "models" / "emotion-bert-L2-H128.bertcls";
    REQUIRE(fs::exists(source));
    const std::string good = read_bytes(source);
    REQUIRE(load_error("good.bertcls", good).empty());
    const Parsed parsed = split(good);

    const auto expect_error = [&](const std::string& name, const std::string& bytes, const std::string& fragment) {
        const std::string message = load_error(name, bytes);
        INFO(name << ": " << message);
        CHECK(message.find(fragment) != std::string::npos);
        CHECK(message.find(name) != std::string::npos);  // names the file
        CHECK(message.find('\n') == std::string::npos);  // one line
    };

    SECTION("truncated") { expect_error("truncated.bertcls", good.substr(0, good.size() / 2), "truncated"); }
    SECTION("shorter than the length prefix") { expect_error("tiny.bertcls", "abc", "truncated"); }
    SECTION("not a safetensors file") {
        expect_error("text.bertcls", std::string("hello world, this is not a model at all"), "not a safetensors file");
    }
    SECTION("a safetensors file that is not a bertcls model") {
        auto header = parsed.header;
        header["__metadata__"] = {{"format", "pt"}};
        expect_error("plain.bertcls", join(header, parsed.data), "not a bertcls model file");
    }
    SECTION("unknown format version") {
        auto header = parsed.header;
        header["__metadata__"]["format_version"] = "99";
        expect_error("version.bertcls", join(header, parsed.data), "unsupported format_version '99'");
    }
    SECTION("wrong shape") {
        auto header = parsed.header;
        header["head.out.bias"]["shape"] = {3, 2};
        expect_error("shape.bertcls", join(header, parsed.data), "head.out.bias");
    }
    SECTION("wrong dtype") {
        auto header = parsed.header;
        auto& entry = header["head.out.bias"];
        entry["dtype"] = "I32";  // same byte size, so only the dtype check can catch it
        expect_error("dtype.bertcls", join(header, parsed.data), "dtype I32, expected F32");
    }
    SECTION("missing tensor") {
        auto header = parsed.header;
        header.erase("layers.1.ffn.norm.bias");
        expect_error("missing.bertcls", join(header, parsed.data), "missing tensor 'layers.1.ffn.norm.bias'");
    }
    SECTION("offsets outside the file") {
        auto header = parsed.header;
        header["head.out.bias"]["data_offsets"] = {parsed.data.size() - 8, parsed.data.size() + 16};
        expect_error("offsets.bertcls", join(header, parsed.data), "lies outside the file");
    }
    SECTION("overlapping tensors") {
        auto header = parsed.header;
        header["head.out.bias"]["data_offsets"] = header["head.dense.bias"]["data_offsets"];
        header["head.out.bias"]["shape"] = header["head.dense.bias"]["shape"];
        expect_error("overlap.bertcls", join(header, parsed.data), "overlap");
    }
    SECTION("config that contradicts itself") {
        auto header = parsed.header;
        auto config = nlohmann::json::parse(header["__metadata__"]["config"].get<std::string>());
        config["num_heads"] = 3;  // does not divide hidden size 128
        header["__metadata__"]["config"] = config.dump();
        expect_error("config.bertcls", join(header, parsed.data), "num_heads");
    }
    SECTION("huge header length") {
        std::string bytes = good;
        const uint64_t huge = uint64_t{1} << 40;
        std::memcpy(bytes.data(), &huge, 8);
        expect_error("header.bertcls", bytes, "exceeds");
    }
}

TEST_CASE("a missing model file is a clear error", "[format]") {
    try {
        ModelFile model("/nonexistent/model.bertcls");
        FAIL("loaded a file that does not exist");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("/nonexistent/model.bertcls") != std::string::npos);
    }
}
