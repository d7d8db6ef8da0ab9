#pragma once
// Pre-tokenizers of Hugging Face `tokenizers` used by the SentencePiece and byte-level BPE
// families (pre_tokenizers/{whitespace,metaspace,sequence}.rs; ByteLevel is in byte_level.h),
// and the tokenizer.json reader for them. factory.cpp's read_pre_tokenizer() reads
// BertPreTokenizer itself and hands every other type to read_hf_pre_tokenizer().
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

// WhitespaceSplit: the maximal runs of non-whitespace (Rust char::is_whitespace).
class WhitespaceSplitPreTokenizer final : public PreTokenizer {
public:
    void pre_tokenize(std::string_view text, Words& words) const override;
};

// Metaspace: ' ' -> replacement, the replacement prepended to a word that does not start with
// it (prepend_scheme "always"; "first" is treated the same for the first word of each text
// segment, "never" never prepends), then, with split, a cut before every replacement that is
// followed by something else (HF's MergedWithNext: "▁▁a" -> "▁", "▁a").
class MetaspacePreTokenizer final : public PreTokenizer {
public:
    enum class Prepend { always, first, never };
    MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split);
    void pre_tokenize(std::string_view text, Words& words) const override;
    const std::string& replacement() const { return replacement_; }
    Prepend prepend() const { return prepend_; }
    bool split() const { return split_; }

private:
    std::string replacement_;
    Prepend prepend_;
    bool split_;
};

// Sequence: each pre-tokenizer runs on every word of the previous one. [WhitespaceSplit,
// Metaspace(always, split)], what converted SentencePiece tokenizers hold, runs in one pass.
class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts);
    void pre_tokenize(std::string_view text, Words& words) const override;

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
    const MetaspacePreTokenizer* fused_metaspace_ = nullptr;  // set for [WhitespaceSplit, Metaspace]
};

// A pre-tokenizer of tokenizer.json other than BertPreTokenizer (Sequence, WhitespaceSplit,
// Metaspace, ByteLevel); nullptr for an unknown type (the caller reports it).
std::unique_ptr<PreTokenizer> read_hf_pre_tokenizer(const nlohmann::json& json);

}  // namespace bertcls::tok
