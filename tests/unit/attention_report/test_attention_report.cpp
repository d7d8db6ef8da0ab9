// The attention report writers (src/attention_report) and the promise behind `bertcls attention`:
// keeping the attention maps does not change what the classifier computes.
#include <cmath>
#include <cstring>
#include <sstream>

#include <catch2/catch.hpp>

#include "attention_report/attention_data.h"
#include "attention_report/bitmap_font.h"
#include "attention_report/colormap.h"
#include "attention_report/html_page.h"
#include "attention_report/json_report.h"
#include "attention_report/labels.h"
#include "attention_report/npy_writer.h"
#include "attention_report/png_encoder.h"
#include "models/model_file.h"
#include "models/sequence_classifier.h"
#include "reference_data.h"
#include "util/error.h"

using namespace bertcls;
using namespace bertcls::attention_report;

namespace {

// 2 layers, 3 heads, 2 tokens; value = layer * 100 + head * 10 + query * 2 + key.
AttentionData small_data() {
    AttentionData d;
    d.tokens = 2;
    d.layers = {0, 1};
    d.heads = {0, 1, 2};
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 3; ++h)
            for (int i = 0; i < 4; ++i) d.values.push_back(static_cast<float>(l * 100 + h * 10 + i));
    return d;
}

}  // namespace

TEST_CASE("keeping attention maps leaves the logits unchanged", "[attention]") {
    for (const auto& ref : test::reference_models()) {
        SECTION(ref.name) {
            SequenceClassifier classifier(std::make_shared<const ModelFile>(ref.model_file));
            const std::vector<int32_t> ids{1, 5, 7, 9, 11, 2}, types(6, 0);
            const SequenceInput input{ids, types};
            const auto plain = classifier.forward(std::span(&input, 1));
            const auto kept = classifier.forward(std::span(&input, 1), {.keep_attentions = true});
            REQUIRE(plain.attentions.empty());
            REQUIRE(kept.attentions.size() == static_cast<std::size_t>(classifier.config().num_layers));
            REQUIRE(plain.logits.size() == kept.logits.size());
            // Not bit-identical by design: without maps the last layer runs for the first token only,
            // a GEMM of another row count.
            for (std::size_t i = 0; i < plain.logits.size(); ++i) CHECK(std::abs(plain.logits[i] - kept.logits[i]) <= 1e-5);
            const auto all = all_attentions(kept.attentions, 0, classifier.config().num_heads);
            CHECK(all.tokens == 6);
            CHECK(all.values.size() == static_cast<std::size_t>(classifier.config().num_layers *
                                                                classifier.config().num_heads * 36));
        }
    }
}

TEST_CASE("selection of layers and heads", "[attention]") {
    const AttentionData all = small_data();
    using Heads = Selection::Heads;

    const auto one = select(all, parse_selection("1", "2", {}));
    CHECK(one.layers == std::vector<int64_t>{1});
    CHECK(one.heads == std::vector<int64_t>{2});
    CHECK(one.values == std::vector<float>{120, 121, 122, 123});

    const auto last = select(all, parse_selection("-1", "", {}));
    CHECK(last.layers == std::vector<int64_t>{1});
    CHECK(last.head_count() == 3);

    const auto mean = select(all, parse_selection("all", "mean", {}));
    CHECK(mean.mean_over_heads);
    CHECK(mean.head_name(0) == "mean");
    CHECK(mean.values == std::vector<float>{10, 11, 12, 13, 110, 111, 112, 113});

    const auto fallback = parse_selection("", "", {.layer = -1, .heads = Heads::mean});
    CHECK(fallback.layer == -1);
    CHECK(fallback.heads == Heads::mean);

    CHECK_THROWS_AS(parse_selection("x", "", {}), UsageError);
    CHECK_THROWS_AS(parse_selection("", "1.5", {}), UsageError);
    CHECK_THROWS_AS(select(all, parse_selection("2", "", {})), UsageError);
    CHECK_THROWS_AS(select(all, parse_selection("-3", "", {})), UsageError);
    CHECK_THROWS_AS(select(all, parse_selection("", "3", {})), UsageError);
    CHECK_THROWS_AS(check_selection(parse_selection("", "-4", {}), 2, 3), UsageError);
}

TEST_CASE("npy header is the standard format, 64-byte aligned", "[attention]") {
    const int64_t shape[] = {2, 3, 4, 4};
    const std::string header = npy_header_f32(shape);
    CHECK(header.size() % 64 == 0);
    CHECK(header.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const std::size_t dict_length = static_cast<uint8_t>(header[8]) | (static_cast<uint8_t>(header[9]) << 8);
    CHECK(dict_length + 10 == header.size());
    CHECK(header.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 4), }") == 10);
    CHECK(header.back() == '\n');
    const int64_t one[] = {5};
    CHECK(npy_header_f32(one).find("'shape': (5,)") != std::string::npos);

    std::ostringstream out;
    const float values[] = {1.5f, -0.25f};
    const int64_t two[] = {2};
    write_npy_f32(out, two, values);
    const std::string bytes = out.str();
    const std::size_t data_start = npy_header_f32(two).size();
    REQUIRE(bytes.size() == data_start + 8);
    float back[2];
    std::memcpy(back, bytes.data() + data_start, 8);
    CHECK(back[0] == 1.5f);
    CHECK(back[1] == -0.25f);
}

TEST_CASE("JSON floats are the shortest round-trip decimals", "[attention]") {
    CHECK(format_float(0.1f) == "0.1");
    CHECK(format_float(0.0f) == "0");
    CHECK(format_float(1e-7f) == "1e-07");
    for (const float v : {0.1f, 0.33333334f, 1.17549435e-38f, 0.99999994f})
        CHECK(std::strtof(format_float(v).c_str(), nullptr) == v);
    CHECK(json_number(0.1f) == 0.1);
}

TEST_CASE("HTML page data: rows as 8- or 4-bit fractions of their largest value", "[attention]") {
    AttentionData d;
    d.tokens = 3;
    d.layers = {0};
    d.heads = {0};
    d.values = {0.5f, 0.25f, 0.25f, 0.0f, 0.0f, 0.0f, 0.01f, 0.001f, 0.989f};
    const auto row_max = [](const std::string& bytes, std::size_t row) {
        float value;
        std::memcpy(&value, bytes.data() + 4 * row, 4);  // little-endian, as the machines we build for
        return value;
    };
    const std::string eight = quantized_rows(d, 8);
    REQUIRE(eight.size() == 3 * 4 + 9);
    CHECK(row_max(eight, 0) == 0.5f);
    CHECK(row_max(eight, 1) == 0.0f);  // an all-zero row stays zero, no division by it
    CHECK(row_max(eight, 2) == 0.989f);
    const auto code8 = [&](std::size_t i) { return static_cast<uint8_t>(eight[12 + i]); };
    CHECK(std::vector<int>{code8(0), code8(1), code8(2), code8(3), code8(6), code8(7), code8(8)} ==
          std::vector<int>{255, 128, 128, 0, 3, 0, 255});  // 0.25/0.5*255 = 127.5 rounds up; 0.01/0.989*255 = 2.58
    // 4 bits: two values a byte, the first in the high nibble; 9 values take 5 bytes.
    const std::string four = quantized_rows(d, 4);
    REQUIRE(four.size() == 3 * 4 + 5);
    CHECK(static_cast<uint8_t>(four[12]) == 0xF8);  // 1.0 -> 15, 0.5 -> 7.5 -> 8
    CHECK(static_cast<uint8_t>(four[16]) == 0xF0);  // the last value alone, in the high nibble
    CHECK_THROWS_AS(quantized_rows(d, 6), std::invalid_argument);

    // bert-base (12 x 12) at 512 tokens is past the 8-bit limit; 4 bits keep its page under 30 MB.
    CHECK(page_value_bits(12 * 12 * 512 * 512) == 4);
    CHECK(page_value_bits(12 * 12 * 128 * 128) == 8);
}

TEST_CASE("a truncated input says how long it was", "[attention]") {
    ReportHeader header;
    header.tokens = {"[CLS]", "a", "[SEP]"};
    header.tokens_total = 3;
    CHECK_FALSE(header.truncated());
    CHECK(truncation_note(header).empty());
    header.tokens_total = 23703;
    CHECK(header.truncated());
    CHECK(truncation_note(header) == "the input has 23703 tokens; only the first 3 (the model's limit) are shown");
}

TEST_CASE("token labels: control characters visible, long tokens cut, XML escaped", "[attention]") {
    CHECK(display_token("hello", 10) == "hello");
    CHECK(display_token("a\tb\x7f", 10) == "a\u2409b\u2421");
    CHECK(display_token("abcdefghij", 5) == "abcd\u2026");
    CHECK(display_token("\u00e9\u00e9\u00e9\u00e9", 3) == "\u00e9\u00e9\u2026");
    CHECK(display_token("\xff" "a", 10) == "\ufffd" "a");
    CHECK(utf8_length("\u00e9t\u00e9") == 3);
    CHECK(xml_escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    CHECK(to_ascii_label("\u0120hello\u2581world\u00e9") == "_hello_world?");
}

TEST_CASE("colour scale and its top", "[attention]") {
    CHECK(hex(colormap(0)) == hex(kColormapStops.front()));
    CHECK(hex(colormap(1)) == hex(kColormapStops.back()));
    CHECK(hex(colormap(-1)) == hex(kColormapStops.front()));
    CHECK(hex(colormap(2)) == hex(kColormapStops.back()));
    CHECK(nice_scale_max(0.37) == Approx(0.5));
    CHECK(nice_scale_max(0.12) == Approx(0.2));
    CHECK(nice_scale_max(0.021) == Approx(0.025));
    CHECK(nice_scale_max(0.96) == Approx(1.0));
    CHECK(nice_scale_max(1.0) == 1.0);
    CHECK(nice_scale_max(0.0) > 0);
}

TEST_CASE("PNG encoder: chunks with valid CRCs, zlib stream with a valid Adler-32", "[attention]") {
    CHECK(crc32(reinterpret_cast<const uint8_t*>("123456789"), 9) == 0xcbf43926u);  // the standard check value
    RgbImage image(7, 5, 10, 20, 30);
    image.set(3, 2, 255, 0, 0);
    std::ostringstream out;
    write_png(out, image);
    const std::string png = out.str();
    REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(png.substr(12, 4) == "IHDR");
    CHECK(png.substr(png.size() - 8, 4) == "IEND");
    // Adler-32 of the raw scanlines ends the zlib stream.
    std::vector<uint8_t> raw;
    for (int y = 0; y < 5; ++y) {
        raw.push_back(0);
        raw.insert(raw.end(), image.pixels.begin() + y * 21, image.pixels.begin() + (y + 1) * 21);
    }
    const std::string z = zlib_compress(raw, 22);
    CHECK((static_cast<uint8_t>(z[0]) * 256 + static_cast<uint8_t>(z[1])) % 31 == 0);
    uint32_t a = 1, b = 0;
    for (const uint8_t byte : raw) a = (a + byte) % 65521, b = (b + a) % 65521;
    const uint32_t adler = (uint32_t(uint8_t(z[z.size() - 4])) << 24) | (uint32_t(uint8_t(z[z.size() - 3])) << 16) |
                           (uint32_t(uint8_t(z[z.size() - 2])) << 8) | uint8_t(z[z.size() - 1]);
    CHECK(adler == ((b << 16) | a));
    CHECK(z.size() < raw.size());  // the flat runs compress
}

TEST_CASE("every printable ASCII character has a glyph", "[attention]") {
    int blank = 0;
    for (char c = 32; c < 127; ++c) {
        const uint8_t* rows = glyph(c);
        bool any = false;
        for (int r = 0; r < kGlyphHeight; ++r) {
            any |= rows[r] != 0;
            CHECK(rows[r] < 32);
        }
        blank += !any;
    }
    CHECK(blank == 1);  // only the space
    CHECK(glyph('\x01') == glyph('?'));
}
