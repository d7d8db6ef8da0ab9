#include "format/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace bertcls {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
    throw InputError(path.string() + ": " + problem);
}

DType parse_dtype(const std::string& name, const std::filesystem::path& path, const std::string& tensor) {
    static const std::pair<const char*, DType> kNames[] = {
        {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"I64", DType::I64},
        {"I32", DType::I32}, {"I8", DType::I8},   {"U8", DType::U8}};
    for (const auto& [text, dtype] : kNames)
        if (name == text) return dtype;
    fail(path, "tensor '" + tensor + "' has unsupported dtype '" + name + "'");
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path), file_(std::make_shared<const MappedFile>(path)) {
    const auto bytes = file_->bytes();
    if (bytes.size() < 8) fail(path, "truncated: shorter than the 8-byte safetensors header length");
    uint64_t header_len = 0;
    std::memcpy(&header_len, bytes.data(), 8);  // little-endian on every supported target
    if (header_len > kMaxHeaderBytes)
        fail(path, "not a safetensors file: header length " + std::to_string(header_len) + " exceeds the " +
                       std::to_string(kMaxHeaderBytes >> 20) + " MiB limit");
    if (header_len > bytes.size() - 8)
        fail(path, "truncated: header needs " + std::to_string(header_len) + " bytes but the file has " +
                       std::to_string(bytes.size() - 8));
    const char* header_begin = reinterpret_cast<const char*>(bytes.data()) + 8;
    const nlohmann::json header =
        nlohmann::json::parse(header_begin, header_begin + header_len, nullptr, /*allow_exceptions=*/false);
    if (!header.is_object()) fail(path, "not a safetensors file: header is not a JSON object");

    const std::span<const std::byte> data = bytes.subspan(8 + header_len);
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) fail(path, "__metadata__ is not an object");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string()) fail(path, "__metadata__." + key + " is not a string");
                metadata_[key] = value.get<std::string>();
            }
            continue;
        }
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets") || !entry["dtype"].is_string() || !entry["shape"].is_array() ||
            !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
            fail(path, "tensor '" + name + "' has a malformed header entry");
        TensorInfo info;
        info.dtype = parse_dtype(entry["dtype"].get<std::string>(), path, name);
        // Element counts are checked against the byte range with overflow guards, so a
        // hostile shape cannot make numel() wrap.
        uint64_t numel = 1;
        for (const auto& dim : entry["shape"]) {
            if (!dim.is_number_unsigned()) fail(path, "tensor '" + name + "' has a negative or non-integer dimension");
            const uint64_t d = dim.get<uint64_t>();
            if (d != 0 && numel > std::numeric_limits<uint32_t>::max() * uint64_t{16} / d)
                fail(path, "tensor '" + name + "' has an absurd shape");
            numel *= d;
            info.shape.push_back(static_cast<int64_t>(d));
        }
        const auto& offsets = entry["data_offsets"];
        if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
            fail(path, "tensor '" + name + "' has non-integer data_offsets");
        const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
        if (begin > end || end > data.size())
            fail(path, "tensor '" + name + "' lies outside the file (offsets " + std::to_string(begin) + ".." +
                           std::to_string(end) + ", data size " + std::to_string(data.size()) + "); truncated?");
        if (numel * dtype_size(info.dtype) != end - begin)
            fail(path, "tensor '" + name + "' has " + std::to_string(end - begin) + " bytes but its shape and dtype need " +
                           std::to_string(numel * dtype_size(info.dtype)));
        info.bytes = data.subspan(begin, end - begin);
        // Weights are read in place as float*: a misaligned tensor would be undefined behaviour.
        if (reinterpret_cast<uintptr_t>(info.bytes.data()) % dtype_size(info.dtype) != 0)
            fail(path, "tensor '" + name + "' is not aligned to its " + std::to_string(dtype_size(info.dtype)) +
                           "-byte dtype (data at file offset " + std::to_string(8 + header_len + begin) +
                           "); convert the checkpoint with scripts/convert_checkpoint.py");
        ranges.emplace_back(begin, end);
        tensors_.emplace(name, std::move(info));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second) fail(path, "tensors overlap in the data section");
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    const auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

}  // namespace bertcls
