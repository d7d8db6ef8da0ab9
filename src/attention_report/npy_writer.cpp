#include "attention_report/npy_writer.h"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace bertcls::attention_report {

std::string npy_header_f32(std::span<const int64_t> shape) {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) dict += ',';  // a one-element tuple: "(5,)"
    dict += "), }";
    // magic (6) + version (2) + header length (2) + dict + padding + '\n', a multiple of 64.
    const std::size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict += '\n';
    if (dict.size() > 65535) throw std::length_error("npy header too long");
    std::string header("\x93NUMPY\x01\x00", 8);
    header += static_cast<char>(dict.size() & 0xff);
    header += static_cast<char>(dict.size() >> 8);
    return header + dict;
}

void write_npy_f32(std::ostream& out, std::span<const int64_t> shape, std::span<const float> values) {
    std::size_t count = 1;
    for (const int64_t d : shape) count *= static_cast<std::size_t>(d);
    if (count != values.size()) throw std::invalid_argument("npy shape does not match the number of values");
    out << npy_header_f32(shape);
    if constexpr (std::endian::native == std::endian::little) {
        out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
    } else {
        std::vector<char> bytes(values.size() * 4);
        for (std::size_t i = 0; i < values.size(); ++i) {
            uint32_t bits;
            std::memcpy(&bits, &values[i], 4);
            for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>(bits >> (8 * b));
        }
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
}

}  // namespace bertcls::attention_report
