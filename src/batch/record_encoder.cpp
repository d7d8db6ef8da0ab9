#include "batch/record_encoder.h"

#include <algorithm>
#include <optional>

#include "models/sequence_check.h"
#include "util/error.h"

namespace bertcls::batch {

RecordEncoder::RecordEncoder(const ModelFile& model, int64_t max_length)
    : config_(model.config()),
      max_length_(max_length > 0 ? std::min(max_length, model.config().max_length) : model.config().max_length) {
    if (model.has_tokenizer()) tokenizer_ = make_tokenizer(model.tokenizer_files());
}

std::string RecordEncoder::encode(const Record& record, Encoding& out) const {
    if (!record.error.empty()) return record.error;
    if (record.pretokenized) {
        out.input_ids = record.input_ids;
        out.token_type_ids = record.token_type_ids;
    } else {
        if (!tokenizer_) return "the model has no tokenizer: records need input_ids";
        try {
            const std::optional<std::string_view> pair =
                record.has_pair ? std::optional<std::string_view>(record.pair) : std::nullopt;
            out = tokenizer_->encode(record.text, pair, {.max_length = static_cast<std::size_t>(max_length_)});
        } catch (const InputError& e) {
            return e.what();
        }
    }
    return check_sequence(config_, out.input_ids, out.token_type_ids, max_length_);
}

}  // namespace bertcls::batch
