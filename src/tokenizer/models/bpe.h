#pragma once
// BPE (HF models/bpe): a word's characters become symbols (vocabulary ids), then the pair with
// the lowest merge rank (leftmost on a tie) is merged until none applies, exactly as HF's
// Word::merge_all does it: a binary heap of candidate merges over a linked list of symbols,
// stale entries skipped. Results are cached per thread for words under 256 bytes.
// The vocabulary and the merges are flat hash tables (Arrays), built from the files or used in
// place from a compiled tokenizer.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

    // A merge: (left, right) -> (rank, merged id). left == kEmpty: an empty slot.
    struct MergeSlot {
        uint32_t left = kEmpty;
        uint32_t right = 0;
        uint32_t rank = 0;
        int32_t id = 0;
    };
    // The model as flat arrays, which the compiled form (tokenizer/compiled.h) stores: two
    // open-addressing tables with linear probing, each a power of two long. Token k of this
    // model's vocabulary (not the added tokens) is bytes[offsets[k], offsets[k + 1]) with id ids[k].
    struct Arrays {
        std::span<const uint32_t> offsets;
        std::string_view bytes;
        std::span<const int32_t> ids;
        std::span<const uint32_t> token_slots;  // at token_hash(string): k, or kEmpty
        std::span<const MergeSlot> merge_slots; // at merge_hash(left, right)
    };
    // A BPE over arrays that stay owned elsewhere (the mapped model file). Checks every index and
    // id (in [0, vocab_size)) and throws InputError naming what is wrong; look-ups probe at most
    // the whole table, so a hostile table cannot make it read out of bounds or loop.
    Bpe(const Arrays& arrays, Options options, std::size_t vocab_size);
    ~Bpe() override;

    const Arrays& arrays() const { return a_; }
    const Options& options() const { return options_; }

    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;

private:
    static constexpr uint32_t kEmpty = UINT32_MAX;

    // Hashes fixed here (not std::hash), since the compiled tables outlive the build that made them.
    static uint64_t token_hash(std::string_view token);
    static uint64_t merge_hash(uint32_t left, uint32_t right) {
        return ((static_cast<uint64_t>(left) << 32 | right) * 0x9E3779B97F4A7C15ull) >> 32;
    }
    // The slot of `token` in a.token_slots, else the empty slot where it would go; npos when
    // neither is found within the table (a full, hostile one).
    static std::size_t token_slot(const Arrays& a, std::string_view token);
    std::optional<int32_t> find(std::string_view token) const;
    const MergeSlot* find_merge(int32_t left, int32_t right) const {
        const std::size_t mask = a_.merge_slots.size() - 1;
        std::size_t i = merge_hash(static_cast<uint32_t>(left), static_cast<uint32_t>(right)) & mask;
        for (std::size_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
            const MergeSlot& slot = a_.merge_slots[i];
            if (slot.left == static_cast<uint32_t>(left) && slot.right == static_cast<uint32_t>(right)) return &slot;
            if (slot.left == kEmpty) return nullptr;
        }
        return nullptr;
    }
    void merge_word(std::string_view word, std::vector<int32_t>& ids) const;
    // What both constructors end with: unk_id_ and char_ids_ (512 look-ups: cheap at load).
    void finish();
    void validate(std::size_t vocab_size) const;

    Arrays a_;
    // The arrays when built here (empty for a compiled BPE).
    std::vector<uint32_t> offsets_, token_slots_;
    std::string bytes_;
    std::vector<int32_t> ids_;
    std::vector<MergeSlot> merge_slots_;

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
