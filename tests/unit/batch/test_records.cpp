// src/batch records: UTF-8 checks, field extraction and every kind of bad line, and the exact
// bytes of output lines.
#include <string>

#include <catch2/catch.hpp>

#include "batch/output_format.h"
#include "batch/record.h"
#include "util/utf8_check.h"

using namespace bertcls;
using namespace bertcls::batch;

TEST_CASE("UTF-8 validation finds the first bad byte", "[batch]") {
    CHECK_FALSE(find_invalid_utf8("plain ascii"));
    CHECK_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    CHECK(find_invalid_utf8("ab\xFFz") == 2u);
    CHECK(find_invalid_utf8("\xC3") == 0u);                   // truncated
    CHECK(find_invalid_utf8("x\xC0\x80") == 1u);              // overlong NUL
    CHECK(find_invalid_utf8("\xED\xA0\x80") == 0u);           // surrogate
    CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == 0u);       // above U+10FFFF
    CHECK(find_invalid_utf8("\xE2\x82") == 0u);
}

TEST_CASE("records give their text, pair, id and pre-tokenized ids", "[batch]") {
    RecordFields fields{.text = "sentence1", .pair = "sentence2", .id = "idx", .output = "prediction"};
    const Record r = parse_record(R"({"idx": 7, "sentence1": "a", "sentence2": "b\u00e9"})", fields);
    CHECK(r.error.empty());
    CHECK(r.text == "a");
    CHECK(r.pair == "b\xC3\xA9");
    CHECK(r.has_pair);
    CHECK(r.id == 7);

    const Record ids = parse_record(R"({"input_ids": [101, 7, 102], "token_type_ids": [0, 0, 0]})", RecordFields{});
    CHECK(ids.error.empty());
    CHECK(ids.pretokenized);
    CHECK(ids.input_ids == std::vector<int32_t>{101, 7, 102});
    CHECK(ids.token_type_ids.size() == 3);
}

TEST_CASE("bad records say what is wrong", "[batch]") {
    const RecordFields fields;
    const auto error = [&](std::string_view line) { return parse_record(line, fields).error; };
    CHECK_THAT(error("{\"text\": \"a\""), Catch::Contains("invalid JSON"));
    CHECK_THAT(error(""), Catch::Equals("empty line"));
    CHECK_THAT(error("[1, 2]"), Catch::Contains("not a JSON object"));
    CHECK_THAT(error("{\"body\": \"a\"}"), Catch::Equals("missing field 'text'"));
    CHECK_THAT(error("{\"text\": 5}"), Catch::Contains("field 'text' is not a string (integer)"));
    CHECK_THAT(error("{\"text\": null}"), Catch::Contains("is not a string (null)"));
    CHECK_THAT(error("{\"text\": \"\xFF\"}"), Catch::Equals("invalid UTF-8 at byte 11"));
    CHECK_THAT(error("{\"text\": \"\\ud800\"}"), Catch::Contains("invalid JSON"));  // lone surrogate escape
    CHECK_THAT(error("{\"text\": \"a\"} x"), Catch::Contains("invalid JSON"));
    CHECK_THAT(error("{\"text\": \"a\", \"prediction\": 1}"), Catch::Contains("already has field 'prediction'"));
    CHECK_THAT(error("{\"input_ids\": [101, 1.5]}"), Catch::Contains("item 1 is not an integer"));
    CHECK_THAT(error("{\"input_ids\": [101, 9999999999]}"), Catch::Contains("out of range"));
    CHECK_THAT(error("{\"input_ids\": []}"), Catch::Contains("is empty"));
    CHECK_THAT(error("{\"input_ids\": [1, 2], \"token_type_ids\": [0]}"), Catch::Contains("token_type_ids has 1"));
}

TEST_CASE("records say whether they failed for not being objects or for lacking a field", "[batch]") {
    RecordFields fields{.text = "text", .pair = "pair", .id = "", .output = "prediction"};
    const auto failure = [&](std::string_view line) { return parse_record(line, fields).failure; };
    using F = Record::Failure;
    CHECK(failure(R"({"text": "a", "pair": "b"})") == F::none);
    CHECK(failure(R"({"input_ids": [101, 102]})") == F::none);
    for (const char* line : {"sentence\tlabel", "[1, 2]", "\"text\"", R"({"text": "a")", "1e999"})
        CHECK(failure(line) == F::not_object);
    CHECK(failure(R"({"body": "a", "pair": "b"})") == F::missing_field);
    CHECK(failure(R"({"text": "a"})") == F::missing_field);
    CHECK(failure(R"({"text": 5})") == F::missing_field);  // it lacks "pair" too
    CHECK(failure(R"({"text": 5, "pair": "b"})") == F::other);
    CHECK(failure("{\"text\": \"\xFF\"}") == F::other);
    CHECK(failure(R"({"text": "a", "pair": "b", "prediction": 1})") == F::other);
}

TEST_CASE("output lines keep the input's bytes and add one field", "[batch]") {
    CHECK(add_field(R"({"text": "a", "n": 1.50, "u": "\u00e9"})", "prediction", "{}") ==
          R"({"text": "a", "n": 1.50, "u": "\u00e9","prediction":{}})");
    CHECK(add_field("{ }\r", "p", "1") == "{ \"p\":1}");
    CHECK(add_field("  {\"a\":{\"b\":2}}  ", "p", "1") == "  {\"a\":{\"b\":2},\"p\":1}");
    CHECK(add_field("{\"a\":1}", "we\"ird", "1") == "{\"a\":1,\"we\\\"ird\":1}");
}

TEST_CASE("predictions print floats exactly and in a fixed layout", "[batch]") {
    CHECK(format_float(0.5f) == "0.5");
    CHECK(format_float(0.1f) == "0.1");
    CHECK(format_float(-1.25e-7f) == "-1.25e-07");
    CHECK(format_float(1.0f / 0.0f) == "null");
    for (const float v : {0.123456789f, 3.3333333f, 1e-30f, 7.0f})
        CHECK(std::stof(format_float(v)) == v);

    bertcls::Prediction p;
    p.logits = {1.0f, -2.5f};
    p.scores = {0.75f, 0.25f};
    p.ranked = {{"yes", 0.75f}, {"no", 0.25f}};
    CHECK(prediction_json(p, {}) == R"({"label":"yes","score":0.75})");
    CHECK(prediction_json(p, {.all_scores = true, .logits = true, .threshold = 0.5f}) ==
          R"({"label":"yes","score":0.75,"labels":["yes"],"scores":[{"label":"yes","score":0.75},{"label":"no","score":0.25}],"logits":[1,-2.5]})");
}

TEST_CASE("error records are recognised for --resume", "[batch]") {
    CHECK(error_json("bad \"x\"", 4, nullptr) == R"({"error":"bad \"x\"","line":4})");
    CHECK(error_json("e", 5, "id-5") == R"({"error":"e","line":5,"id":"id-5"})");
    CHECK(is_error_json(error_json("e", 5, 12)));
    CHECK_FALSE(is_error_json(R"({"error":"theirs","line":1,"prediction":{"label":"a","score":1}})"));
    CHECK_FALSE(is_error_json(R"({"text":"a","prediction":{"label":"a","score":1}})"));
}

TEST_CASE("an optional pair field (tokenize -i) may be absent or null; no output field is reserved", "[batch]") {
    const RecordFields fields{.text = "text", .pair = "text_pair", .optional_pair = true, .output = ""};
    const Record single = parse_record(R"({"text": "a", "prediction": 1})", fields);
    CHECK(single.error.empty());
    CHECK_FALSE(single.has_pair);
    CHECK_FALSE(parse_record(R"({"text": "a", "text_pair": null})", fields).has_pair);
    const Record pair = parse_record(R"({"text": "a", "text_pair": "b"})", fields);
    CHECK(pair.has_pair);
    CHECK(pair.pair == "b");
    CHECK_THAT(parse_record(R"({"text": "a", "text_pair": 3})", fields).error,
               Catch::Equals("field 'text_pair' is not a string (integer)"));
    CHECK(parse_record(R"({"body": "a"})", fields).failure == Record::Failure::missing_field);
    CHECK(parse_record(R"({"text": 5})", fields).failure == Record::Failure::other);  // only "text" is needed
}
