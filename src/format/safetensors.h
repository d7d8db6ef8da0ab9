#pragma once
// A read-only, validated view of a safetensors file, mapped into memory. Validation happens in
// open(), so a SafetensorsFile that exists is safe to index: every tensor lies inside the file,
// has a consistent byte size and overlaps no other.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
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

class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {data_, size_}; }
    // Tells the kernel these pages will not be read again, so they stop counting as resident.
    void release_pages(std::span<const std::byte> range) const;

private:
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

class SafetensorsFile {
public:
    // Header sizes beyond this are rejected before any allocation.
    static constexpr std::size_t kMaxHeaderBytes = 64u << 20;

    // Maps and validates the file; throws InputError naming the file and the problem.
    explicit SafetensorsFile(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    std::size_t file_size() const { return file_.bytes().size(); }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find(const std::string& name) const;
    const MappedFile& mapping() const { return file_; }

private:
    std::filesystem::path path_;
    MappedFile file_;
    std::map<std::string, std::string> metadata_;
    std::map<std::string, TensorInfo> tensors_;
};

}  // namespace bertcls
