#pragma once
// A read-only, validated view of a safetensors file, mapped into memory. Validation happens in
// open(), so a SafetensorsFile that exists is safe to index: every tensor lies inside the file,
// has a consistent byte size and overlaps no other.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/mapped_file.h"
#include "util/tensor.h"

namespace bertcls {

class SafetensorsFile {
public:
    // Header sizes beyond this are rejected before any allocation.
    static constexpr std::size_t kMaxHeaderBytes = 64u << 20;

    // Maps and validates the file; throws InputError naming the file and the problem.
    explicit SafetensorsFile(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    std::size_t file_size() const { return file_->bytes().size(); }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find(const std::string& name) const;
    const MappedFile& mapping() const { return *file_; }
    // Shares ownership of the mapping, for views (a compiled tokenizer) that may outlive this object.
    std::shared_ptr<const MappedFile> shared_mapping() const { return file_; }

private:
    std::filesystem::path path_;
    std::shared_ptr<const MappedFile> file_;
    std::map<std::string, std::string> metadata_;
    std::map<std::string, TensorInfo> tensors_;
};

}  // namespace bertcls
