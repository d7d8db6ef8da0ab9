#pragma once
// The compiled tokenizer: what make_tokenizer() builds from Hugging Face files, stored as flat
// arrays that a model file carries (tensor "tokenizer.compiled", docs/FORMAT.md) and that are
// used in place from the mapping, so that loading a model builds nothing: no JSON vocabulary to
// parse, no trie to build, no hash table to fill.
//
// One implementation of each algorithm: the blob is written by this code (bertcls
// compile-tokenizer, which scripts/convert_checkpoint.py runs) from the objects make_tokenizer()
// builds, and read back into the same classes.
//
// Layout (little-endian):
//   [8]  magic "BCTOKEN\0"
//   [4]  version (kCompiledTokenizerVersion), [4] number of sections S
//   S x  {[16] name, NUL-padded; [8] offset from the blob start; [8] size in bytes}
//   sections, each at an offset that is a multiple of 8
// Sections: "spec" (JSON: normalizer, pre_tokenizer, added_tokens, post_processor in
// tokenizer.json syntax; model type and settings), "vocab.offsets" (u32, one more than the ids),
// "vocab.bytes", and the model's arrays:
//   WordPiece: "wp.nodes", "wp.edges", "wp.dense", "wp.pops", "wp.is_token" (WordPiece::Arrays);
//   BPE: "bpe.offsets", "bpe.bytes", "bpe.ids" (the model's own vocabulary, without the added
//   tokens, which "vocab.*" also holds), "bpe.token_slots" (string -> token hash table),
//   "bpe.merge_slots" (pair -> rank and merged id hash table); see Bpe::Arrays;
//   Unigram: "ug.nodes", "ug.dense", "ug.labels", "ug.targets" (the trie of pieces) and
//   "ug.scores" (f64 by id); see Unigram::Arrays. The legacy SentencePiece builders describe
//   their normalizers in tokenizer.json's syntax too, so "spec" holds them; a SentencePiece
//   charsmap is moved out of its base64 string into a section "charsmap.K" of raw bytes.
// Version 2 added BPE and version 3 Unigram; older blobs are read as they are, and a blob of any
// other version is ignored (the tokenizer is built from the files), so an older bertcls given a
// newer file builds its tokenizer from the files instead of failing.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "tokenizer/tokenizer.h"

namespace bertcls {

inline constexpr uint32_t kCompiledTokenizerVersion = 3;

// The compiled form of the tokenizer the files describe, or nullopt when its family has none.
// Throws InputError when the files are unusable (as make_tokenizer does).
std::optional<std::string> compile_tokenizer(const TokenizerFiles& files);

// The tokenizer a compiled blob holds, reading its arrays in place (or from an aligned copy when
// the blob is not 8-byte aligned); `owner` keeps the bytes alive for as long as the tokenizer
// lives. nullptr when the blob has a version this build does not read (built by a newer bertcls:
// build from the files instead). Throws InputError "compiled tokenizer: ..." when the blob is malformed; no
// index into it is used unchecked.
std::unique_ptr<Tokenizer> load_compiled_tokenizer(std::span<const std::byte> blob, std::shared_ptr<const void> owner);

// make_tokenizer(files), also saying whether the tokenizer has a compiled form (the note that
// suggests re-converting a model without one).
std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerFiles& files, bool& has_compiled_form);

}  // namespace bertcls
