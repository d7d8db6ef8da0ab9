#include "attention_report/png_encoder.h"

#include <array>
#include <stdexcept>

namespace bertcls::attention_report {

namespace {

class BitWriter {
public:
    // Bits LSB first, as DEFLATE packs them.
    void bits(uint32_t value, int count) {
        for (int i = 0; i < count; ++i) push((value >> i) & 1);
    }
    // Huffman codes are sent most significant bit first.
    void code(uint32_t value, int count) {
        for (int i = count - 1; i >= 0; --i) push((value >> i) & 1);
    }
    std::string finish() {
        if (used_) out_ += static_cast<char>(current_);
        return std::move(out_);
    }

private:
    void push(uint32_t bit) {
        current_ |= bit << used_;
        if (++used_ == 8) {
            out_ += static_cast<char>(current_);
            current_ = 0;
            used_ = 0;
        }
    }
    std::string out_;
    uint32_t current_ = 0;
    int used_ = 0;
};

void literal(BitWriter& w, uint32_t v) {
    if (v < 144) w.code(0x30 + v, 8);
    else if (v < 256) w.code(0x190 + (v - 144), 9);
    else if (v < 280) w.code(v - 256, 7);
    else w.code(0xc0 + (v - 280), 8);
}

constexpr std::array<uint16_t, 29> kLengthBase{3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                               31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<uint8_t, 29> kLengthExtra{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                               2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<uint16_t, 30> kDistBase{1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,   97,   129,
                                             193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::array<uint8_t, 30> kDistExtra{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                             6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

void match(BitWriter& w, std::size_t length, std::size_t distance) {
    std::size_t i = kLengthBase.size() - 1;
    while (kLengthBase[i] > length) --i;
    literal(w, 257 + static_cast<uint32_t>(i));
    w.bits(static_cast<uint32_t>(length - kLengthBase[i]), kLengthExtra[i]);
    std::size_t d = kDistBase.size() - 1;
    while (kDistBase[d] > distance) --d;
    w.code(static_cast<uint32_t>(d), 5);
    w.bits(static_cast<uint32_t>(distance - kDistBase[d]), kDistExtra[d]);
}

void append_u32(std::string& s, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

void chunk(std::ostream& out, const char* type, const std::string& data) {
    std::string body(type, 4);
    body += data;
    std::string length;
    append_u32(length, static_cast<uint32_t>(data.size()));
    std::string crc;
    append_u32(crc, crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
    out << length << body << crc;
}

}  // namespace

RgbImage::RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b) : width(w), height(h) {
    if (w <= 0 || h <= 0) throw std::invalid_argument("empty image");
    pixels.resize(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < pixels.size(); i += 3) pixels[i] = r, pixels[i + 1] = g, pixels[i + 2] = b;
}

uint32_t crc32(const uint8_t* data, std::size_t size, uint32_t crc) {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t n = 0; n < 256; ++n) {
            uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

std::string zlib_compress(const std::vector<uint8_t>& data, std::size_t row_stride) {
    BitWriter w;
    w.bits(1, 1);  // BFINAL: one block
    w.bits(1, 2);  // BTYPE 01: fixed Huffman codes
    const std::size_t candidates[] = {3, row_stride};
    for (std::size_t i = 0; i < data.size();) {
        std::size_t best_length = 0, best_distance = 0;
        for (const std::size_t distance : candidates) {
            if (distance == 0 || distance > 32768 || distance > i) continue;
            std::size_t length = 0;
            while (length < 258 && i + length < data.size() && data[i + length] == data[i + length - distance]) ++length;
            if (length > best_length) best_length = length, best_distance = distance;
        }
        if (best_length >= 3) {
            match(w, best_length, best_distance);
            i += best_length;
        } else {
            literal(w, data[i]);
            ++i;
        }
    }
    literal(w, 256);  // end of block
    uint32_t a = 1, b = 0;  // Adler-32
    for (const uint8_t byte : data) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    std::string out = "\x78\x01";  // deflate, 32K window, no preset dictionary; (0x7801 % 31 == 0)
    out += w.finish();
    append_u32(out, (b << 16) | a);
    return out;
}

void write_png(std::ostream& out, const RgbImage& image) {
    const std::size_t stride = static_cast<std::size_t>(image.width) * 3 + 1;
    std::vector<uint8_t> raw;
    raw.reserve(stride * image.height);
    for (int y = 0; y < image.height; ++y) {
        raw.push_back(0);  // filter: none
        const auto row = image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * image.width * 3;
        raw.insert(raw.end(), row, row + image.width * 3);
    }
    out << std::string("\x89PNG\r\n\x1a\n", 8);
    std::string header;
    append_u32(header, static_cast<uint32_t>(image.width));
    append_u32(header, static_cast<uint32_t>(image.height));
    header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit, RGB, deflate, adaptive filtering, no interlace
    chunk(out, "IHDR", header);
    chunk(out, "IDAT", zlib_compress(raw, stride));
    chunk(out, "IEND", "");
}

}  // namespace bertcls::attention_report
