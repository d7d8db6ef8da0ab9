#pragma once
// A typed, read-only view of a tensor's bytes (wherever they live: a mapped model file, a
// test's buffer), and the element types a model file may hold.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace bertcls {

enum class DType { F32, F16, BF16, I64, I32, I8, U8 };

std::size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

struct TensorInfo {
    DType dtype;
    std::vector<int64_t> shape;
    std::span<const std::byte> bytes;

    int64_t numel() const;
    template <typename T>
    std::span<const T> as() const {
        return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
    }
};

}  // namespace bertcls
