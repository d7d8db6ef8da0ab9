#pragma once
// A whole file mapped read-only into memory, in 2 MiB pages where the kernel can.
#include <cstddef>
#include <filesystem>
#include <span>

namespace bertcls {

class MappedFile {
public:
    // Throws InputError naming the file when it cannot be opened or mapped.
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

}  // namespace bertcls
