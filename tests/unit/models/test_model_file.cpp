// The model loader rejects every kind of broken file with one line naming the file and the
// problem, before any weight is read. Each case starts from a real converted model and breaks
// one thing in it.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "models/model_file.h"
#include "models/model_config.h"
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
    SECTION("another kind of file") {
        expect_error("text.bertcls", std::string("hello world, this is not a model at all"), "not a bertcls model file");
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
    SECTION("absurd architecture numbers, each named in the error") {
        // 2^31 layers sharing the file's weight sets (ALBERT-style, so no weights are missing)
        // used to load and then hang in the forward pass; the other fields were only caught, if at
        // all, by a weight shape check that does not name the config field.
        const std::vector<std::pair<std::string, nlohmann::json>> cases = {
            {"num_layers", int64_t{1} << 31},
            {"num_layers", 1025},
            {"num_heads", 2048},
            {"hidden_size", 131072},
            {"embedding_size", 131072},
            {"intermediate_size", 131072},
            {"max_position_embeddings", int64_t{1} << 21},
            {"vocab_size", (int64_t{1} << 22) + 1},
            {"type_vocab_size", 1025},
        };
        for (const auto& [field, value] : cases) {
            auto header = parsed.header;
            auto config = nlohmann::json::parse(header["__metadata__"]["config"].get<std::string>());
            config[field] = value;
            header["__metadata__"]["config"] = config.dump();
            expect_error("arch-" + field + ".bertcls", join(header, parsed.data), "'" + field + "' is out of range");
        }
        {
            // The emotion model stores 2 weight sets: at most 128 layers may share them.
            auto header = parsed.header;
            auto config = nlohmann::json::parse(header["__metadata__"]["config"].get<std::string>());
            config["num_layers"] = 129;
            header["__metadata__"]["config"] = config.dump();
            expect_error("arch-shared.bertcls", join(header, parsed.data), "'num_layers' is 129 for 2 stored weight set(s)");
        }
        auto header = parsed.header;
        auto config = nlohmann::json::parse(header["__metadata__"]["config"].get<std::string>());
        config["labels"] = std::vector<std::string>(100001, "x");
        header["__metadata__"]["config"] = config.dump();
        expect_error("arch-labels.bertcls", join(header, parsed.data), "'labels' holds 100001 labels");
    }
    SECTION("huge header length") {
        std::string bytes = good;
        const uint64_t huge = uint64_t{1} << 40;
        std::memcpy(bytes.data(), &huge, 8);
        expect_error("header.bertcls", bytes, "exceeds");
    }
}

TEST_CASE("architecture numbers up to the documented caps are accepted", "[format]") {
    // The caps (models/model_config.h, README "Limits and interruptions") stay above every real
    // checkpoint: a config exactly at each cap parses.
    using L = ModelConfig::Limits;
    const nlohmann::json config = {
        {"family", "albert"}, {"architecture", "AlbertForSequenceClassification"},
        {"vocab_size", L::vocab_size}, {"hidden_size", L::hidden_size}, {"embedding_size", L::hidden_size},
        {"num_layers", L::num_layers}, {"num_heads", L::num_heads}, {"intermediate_size", L::intermediate_size},
        {"max_position_embeddings", L::max_position_embeddings}, {"type_vocab_size", L::type_vocab_size},
        {"position_offset", 0}, {"pad_token_id", 0}, {"num_layer_weights", L::num_layers / L::layers_per_weight_set},
        {"max_length", 512},
        {"layer_norm_eps", 1e-12}, {"embedding_projection", false}, {"hidden_act", "gelu"},
        {"head_activation", "tanh"}, {"problem_type", "single_label_classification"},
        {"labels", std::vector<std::string>(L::labels, "x")}, {"tokenizer", nullptr}};
    const ModelConfig c = ModelConfig::from_json(config);
    CHECK(c.num_layers == 1024);
    CHECK(c.weight_set_of_layer(c.num_layers - 1) == 15);
    CHECK(c.labels.size() == 100000);
    for (const char* field : {"num_layers", "num_heads", "hidden_size", "intermediate_size", "max_position_embeddings",
                              "vocab_size", "type_vocab_size"}) {
        auto over = config;
        over[field] = over[field].get<int64_t>() + 1;
        INFO(field);
        CHECK_THROWS_WITH(ModelConfig::from_json(over), Catch::Contains(std::string("'") + field + "' is out of range"));
    }
    auto shared = config;
    shared["num_layers"] = 2;
    shared["num_layer_weights"] = 3;
    CHECK_THROWS_WITH(ModelConfig::from_json(shared), Catch::Contains("'num_layer_weights' exceeds num_layers"));
    shared["num_layers"] = 64;  // ALBERT-style: one set for up to 64 layers
    shared["num_layer_weights"] = 1;
    CHECK(ModelConfig::from_json(shared).num_layers == 64);
    shared["num_layers"] = 65;
    CHECK_THROWS_WITH(ModelConfig::from_json(shared), Catch::Contains("'num_layers' is 65 for 1 stored weight set(s)"));
}

TEST_CASE("a missing model file is a clear error", "[format]") {
    try {
        ModelFile model("/nonexistent/model.bertcls");
        FAIL("loaded a file that does not exist");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("/nonexistent/model.bertcls") != std::string::npos);
    }
}
