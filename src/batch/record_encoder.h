#pragma once
// Turns parsed records into token ids: text through the model's tokenizer (truncated to the
// length limit), pre-tokenized ids checked against the model.
#include <cstdint>
#include <memory>
#include <string>

#include "batch/record.h"
#include "models/model_file.h"
#include "tokenizer/tokenizer.h"

namespace bertcls::batch {

class RecordEncoder {
public:
    // max_length: the token limit, at most the model's (0 means the model's). Throws InputError
    // when the model's tokenizer files are unusable.
    RecordEncoder(const ModelFile& model, int64_t max_length);

    int64_t max_length() const { return max_length_; }

    // Fills `out` and returns "", or returns why the record cannot be classified. Safe to call
    // from several threads at once.
    std::string encode(const Record& record, Encoding& out) const;

private:
    const ModelConfig& config_;
    int64_t max_length_;
    std::unique_ptr<Tokenizer> tokenizer_;  // null when the model has none
};

}  // namespace bertcls::batch
