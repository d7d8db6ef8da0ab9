#include "batch/run_record.h"

#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "util/error.h"

namespace bertcls::batch {

namespace {

// The whole file would take seconds to hash for a large model, so its identity is its size, its
// header (architecture, labels, tensor layout) and 16 samples spread over the weights, which
// differ between any two trained models even when the headers agree.
constexpr std::size_t kSamples = 16, kSampleBytes = 4096;

uint64_t fnv1a(uint64_t hash, const unsigned char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3ull;
    return hash;
}

std::string model_identity(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        throw InputError(path.string() + ": cannot read (" + std::strerror(errno) + ")");
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    const auto read_at = [&](uint64_t offset, uint64_t length) {
        std::vector<unsigned char> bytes(length);
        const ssize_t got = ::pread(fd, bytes.data(), length, static_cast<off_t>(offset));
        bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
        return bytes;
    };
    // safetensors: an 8-byte little-endian header length, the header, then the data. The model
    // loaded already, so the length is sane.
    const auto prefix = read_at(0, 8);
    uint64_t header_end = 8;
    for (std::size_t i = 0; i < prefix.size(); ++i) header_end += uint64_t{prefix[i]} << (8 * i);
    header_end = std::min(header_end, size);
    uint64_t hash = 0xcbf29ce484222325ull;
    const auto header = read_at(0, header_end);
    hash = fnv1a(hash, header.data(), header.size());
    for (std::size_t k = 0; k < kSamples && header_end < size; ++k) {
        const auto sample = read_at(header_end + (size - header_end) * k / kSamples, kSampleBytes);
        hash = fnv1a(hash, sample.data(), sample.size());
    }
    ::close(fd);
    char text[64];
    std::snprintf(text, sizeof text, "%llu bytes, sampled FNV-1a %016llx", (unsigned long long)size, (unsigned long long)hash);
    return text;
}

}  // namespace

std::string run_record_path(const std::string& output) { return output + ".bertcls-run"; }

nlohmann::ordered_json describe_run(const BatchJobOptions& o, ComputeType compute, int64_t max_length) {
    nlohmann::ordered_json run;
    run["model"] = o.model.string();
    run["model file"] = model_identity(o.model);
    run["--dtype"] = compute_type_name(compute);
    run["--max-length"] = max_length;
    run["--max-record-bytes"] = o.max_record_bytes;
    run["--text-field"] = o.fields.text;
    run["--pair-field"] = o.fields.pair;
    run["--id-field"] = o.fields.id;
    run["--output-field"] = o.fields.output;
    run["--all-scores"] = o.prediction.all_scores;
    run["--logits"] = o.prediction.logits;
    run["--threshold"] = o.prediction.threshold ? nlohmann::ordered_json(*o.prediction.threshold) : nullptr;
    // Which lines of the input the output holds; recorded only when not the whole input, so
    // the records of earlier runs stay valid.
    if (o.shard.count > 0) run["--shard"] = std::to_string(o.shard.index) + "/" + std::to_string(o.shard.count);
    if (o.first_line != 1) run["--first-line"] = o.first_line;
    // Recorded only when given, so that records of runs without them still match.
    if (o.prediction.top_k) run["--top-k"] = *o.prediction.top_k == SIZE_MAX ? nlohmann::ordered_json("all") : nlohmann::ordered_json(*o.prediction.top_k);
    if (o.function_to_apply) run["--function-to-apply"] = score_function_name(*o.function_to_apply);
    if (o.zero_shot) {
        run["--zero-shot-labels"] = o.zero_shot->labels;
        run["--template"] = o.zero_shot->hypothesis_template;
        run["--multi-label"] = o.zero_shot->multi_label;
    }
    return run;
}

void write_run_record(const std::string& output, const nlohmann::ordered_json& run) {
    // Written aside and renamed, so that a kill never leaves half a record.
    const std::string path = run_record_path(output), temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << run.dump() << '\n';
        if (!out.flush()) throw InputError(temporary + ": cannot write (" + std::strerror(errno) + ")");
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) throw InputError(path + ": cannot write (" + ec.message() + ")");
}

bool check_run_record(const std::string& output, const nlohmann::ordered_json& run) {
    const std::string path = run_record_path(output);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return false;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot read (" + std::strerror(errno) + ")");
    nlohmann::ordered_json recorded;
    try {
        recorded = nlohmann::ordered_json::parse(in);
    } catch (const nlohmann::json::exception&) {
    }
    if (!recorded.is_object())
        throw InputError(path + ": not a bertcls run record; delete it to resume without checking the run");
    std::string differences;
    for (const auto& [key, value] : run.items()) {
        if (key == "model") continue;  // a moved or copied model is the same model
        const auto it = recorded.find(key);
        const std::string was = it == recorded.end() ? "not recorded" : it->dump();
        if (was == value.dump()) continue;
        differences += differences.empty() ? "" : "; ";
        if (key == "model file")
            differences += "the model (was " + recorded.value("model", std::string("?")) + ", " + was + "; now " +
                           run.at("model").get<std::string>() + ", " + value.dump() + ")";
        else
            differences += key + " (was " + was + ", now " + value.dump() + ")";
    }
    // A part of the input must not be resumed as the whole, nor the whole as a part.
    for (const char* key : {"--shard", "--first-line"})
        if (recorded.contains(key) && !run.contains(key)) {
            differences += differences.empty() ? "" : "; ";
            differences += std::string(key) + " (was " + recorded[key].dump() + ", now not given)";
        }
    if (!differences.empty())
        throw UsageError("--resume: " + output + " was written by another run (" + path + "): " + differences +
                         ". Resume with the same model and options, or run without --resume to start over");
    return true;
}

}  // namespace bertcls::batch
