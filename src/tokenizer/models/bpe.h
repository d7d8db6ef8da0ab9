#pragma once
// BPE (HF models/bpe): a word's characters become symbols (vocabulary ids), then the pair with
// the lowest merge rank (leftmost on a tie) is merged until none applies, exactly as HF's
// Word::merge_all does it: a binary heap of candidate merges over a linked list of symbols,
// stale entries skipped. Results are cached per thread for words under 256 bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/loaders/factory.h"

namespace bertcls::tok {

class Bpe final : public Model {
public:
    struct Options {
        std::optional<std::string> unk_token;
        std::string continuing_subword_prefix;
        std::string end_of_word_suffix;
        bool fuse_unk = false;
        bool byte_fallback = false;
        bool ignore_merges = false;
    };
    // vocab: (token, id) pairs; merges in rank order. Throws InputError when a merge names a
    // token (or produces one) missing from the vocabulary, or unk_token is missing.
    Bpe(const std::vector<std::pair<std::string, int32_t>>& vocab,
        const std::vector<std::pair<std::string, std::string>>& merges, Options options);
    ~Bpe() override;

    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

    std::optional<int32_t> find(std::string_view token) const;
    void merge_word(std::string_view word, std::vector<int32_t>& ids) const;

    // The merges: (left << 32 | right) -> (rank, merged id), in an open-addressing table.
    struct MergeSlot {
        uint64_t key = UINT64_MAX;  // UINT64_MAX: empty
        uint32_t rank = 0;
        int32_t id = 0;
    };
    const MergeSlot* find_merge(int32_t left, int32_t right) const {
        const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
        std::size_t i = (key * 0x9E3779B97F4A7C15ull) >> merge_shift_;
        while (true) {
            const MergeSlot& slot = merge_table_[i];
            if (slot.key == key) return &slot;
            if (slot.key == UINT64_MAX) return nullptr;
            i = (i + 1) & (merge_table_.size() - 1);
        }
    }

    StringMap vocab_;
    std::vector<MergeSlot> merge_table_;
    unsigned merge_shift_ = 63;
    std::vector<int32_t> char_ids_;  // id of the one-character token U+0000..U+01FF, or -1 (no affixes only)
    Options options_;
    std::optional<int32_t> unk_id_;
    uint64_t instance_;  // identifies this model in the per-thread caches
};

// tokenizer.json with model.type "BPE" (byte-level pre-tokenizer, RoBERTa / GPT-2 style).
void build_bpe(const nlohmann::json& tokenizer_json, TokenizerParts& parts);
// vocab.json + merges.txt (RoBERTa conventions), with tokenizer_config.json when present
// (add_prefix_space, special tokens, added_tokens_decoder).
void build_bpe_legacy(const TokenizerFiles& files, TokenizerParts& parts);

}  // namespace bertcls::tok
