#pragma once
// A minimal PNG encoder (8-bit RGB, no interlace) with its own small DEFLATE compressor: fixed
// Huffman codes and matches against the previous pixel and the row above, which is what flat
// heatmap cells need. No zlib dependency.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace bertcls::attention_report {

struct RgbImage {
    int width = 0, height = 0;
    std::vector<uint8_t> pixels;  // width * height * 3, rows top to bottom

    RgbImage(int w, int h, uint8_t r = 255, uint8_t g = 255, uint8_t b = 255);
    void set(int x, int y, uint8_t r, uint8_t g, uint8_t b) {
        if (x < 0 || y < 0 || x >= width || y >= height) return;
        uint8_t* p = &pixels[(static_cast<std::size_t>(y) * width + x) * 3];
        p[0] = r, p[1] = g, p[2] = b;
    }
};

void write_png(std::ostream& out, const RgbImage& image);

// zlib stream (RFC 1950) of `data`, DEFLATE-compressed as described above; exposed for tests.
std::string zlib_compress(const std::vector<uint8_t>& data, std::size_t row_stride);

uint32_t crc32(const uint8_t* data, std::size_t size, uint32_t crc = 0);

}  // namespace bertcls::attention_report
