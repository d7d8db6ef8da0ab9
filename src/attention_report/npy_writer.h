#pragma once
// The standard NumPy .npy format (version 1.0): magic, a Python-literal header padded to a
// multiple of 64 bytes, then the raw little-endian data in C order.
#include <cstdint>
#include <ostream>
#include <span>
#include <string>

namespace bertcls::attention_report {

// The complete header (magic, version, length, dict, padding, newline) of a C-order '<f4' array.
std::string npy_header_f32(std::span<const int64_t> shape);

// Writes a float32 array; the values are stored little-endian whatever the host.
void write_npy_f32(std::ostream& out, std::span<const int64_t> shape, std::span<const float> values);

}  // namespace bertcls::attention_report
