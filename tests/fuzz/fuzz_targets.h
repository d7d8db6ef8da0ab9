#pragma once
// The fuzz targets' bodies, shared by the libFuzzer binaries (tests/fuzz/fuzz_main.cpp, built
// with -DBERTCLS_FUZZ=ON) and the Catch2 regression tests (tests/fuzz/test_regressions.cpp), which
// replay every saved crash input in normal CI.
//
// Contract of every target: bad input may only end in bertcls::InputError or UsageError (what
// the CLI turns into a one-line message and exit code 1 or 2). Anything else is a finding: a
// sanitizer report, a crash, an exception of another type (the CLI's "internal error", exit
// code 4) or an InvariantViolation, which the targets throw when an output breaks a property
// stated below. Targets let those escape; libFuzzer reports them as crashes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace bertcls::fuzz {

struct InvariantViolation : std::logic_error {
    using std::logic_error::logic_error;
};

// Input layouts (the seed script tests/fuzz/make_seeds.py writes the same):
//
// tokenizer: [tokenizer index][flags][max_length][text bytes ... (0xFF pair bytes ...)]
//   tokenizer index: modulo the tokenizers built from tests/data/tokenizers/* (tokenizer.json
//   and the legacy files of each: WordPiece, SentencePiece Unigram and BPE, byte-level BPE).
//   flags: bit 0 pair (text and pair split at the first 0xFF, which valid UTF-8 never holds),
//   bits 1-2 truncation strategy, bit 3 without token strings. max_length 0: no limit.
//   Properties: ids and types have equal length (and tokens, when asked for); within
//   max_length when truncating; valid UTF-8 without a limit never fails; encoding twice
//   gives the same result (per-thread caches).
int tokenizer_one(const uint8_t* data, std::size_t size);

// tokenizer_files: [base index][file index][file bytes ...]
//   One file of a tokenizers/* folder replaced by the input (file index modulo the folder's
//   files plus one: the last value means the folder without tokenizer.json, i.e. the legacy
//   builders, with the file replaced among those). make_tokenizer must accept or throw
//   InputError; a tokenizer it returns must encode a few fixed texts.
int tokenizer_files_one(const uint8_t* data, std::size_t size);

// jsonl: [flags][JSONL bytes ...]
//   flags: bits 0-1 --max-record-bytes (16 MiB, 1, 17, 300), bit 2 --pair-field, bit 3
//   --id-field, bit 4 output field "text" (which the record parser must refuse to overwrite).
//   The batch LineReader must split exactly as '\n' does; parse_record never throws; a
//   record it accepts gets add_field output that parses back to the same object plus the new
//   key; error records round-trip through is_error_json; the front door's encoder
//   (pipeline::TextClassifier, bundled model) gives ids the model accepts.
int jsonl_one(const uint8_t* data, std::size_t size);

// model_file: the bytes of a .bertcls file (loaded through an in-memory file). A file that
// loads must give a tokenizer or InputError, and a small model runs one forward pass.
int model_file_one(const uint8_t* data, std::size_t size);

// compiled_tokenizer: the bytes of a compiled tokenizer (tokenizer/compiled.h). Loading must
// give a tokenizer, nullptr (another version) or InputError, and a tokenizer must encode a few
// fixed texts. (tokenizer_files also checks that the compiled form of every tokenizer it
// builds encodes those texts exactly as the tokenizer does.)
int compiled_tokenizer_one(const uint8_t* data, std::size_t size);

struct Target {
    const char* name;
    int (*run)(const uint8_t*, std::size_t);
};
// All targets, by name: tokenizer, tokenizer_files, jsonl, model_file, compiled_tokenizer.
const std::vector<Target>& targets();

// tests/data (tokenizers, reference models) and the bundled model, from compile definitions.
std::filesystem::path test_data_dir();

}  // namespace bertcls::fuzz
