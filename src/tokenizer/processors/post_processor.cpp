// PostProcessor (special tokens and token type ids) and truncation, after HF's
// processors/template.rs and utils/truncation.rs.
#include <algorithm>

#include "tokenizer/pipeline.h"
#include "util/error.h"

namespace bertcls::tok {

PostProcessor::PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair)
    : single_(std::move(single)), pair_(std::move(pair)) {}

std::size_t PostProcessor::num_special_tokens(bool pair) const {
    std::size_t n = 0;
    for (const auto& piece : pair ? pair_ : single_)
        if (piece.kind == TemplatePiece::Kind::special) n += piece.ids.size();
    return n;
}

void PostProcessor::process(std::span<const int32_t> a, std::optional<std::span<const int32_t>> b,
                            Encoding& out) const {
    out.input_ids.clear();
    out.token_type_ids.clear();
    const auto& pieces = b ? pair_ : single_;
    if (pieces.empty()) {  // no post-processor: the segments as they are, type ids 0 then 1
        out.input_ids.assign(a.begin(), a.end());
        out.token_type_ids.assign(a.size(), 0);
        if (b) {
            out.input_ids.insert(out.input_ids.end(), b->begin(), b->end());
            out.token_type_ids.insert(out.token_type_ids.end(), b->size(), 1);
        }
        return;
    }
    std::size_t total = num_special_tokens(b.has_value()) + a.size() + (b ? b->size() : 0);
    out.input_ids.reserve(total);
    out.token_type_ids.reserve(total);
    for (const auto& piece : pieces) {
        std::span<const int32_t> ids = piece.ids;
        if (piece.kind == TemplatePiece::Kind::sequence_a) ids = a;
        if (piece.kind == TemplatePiece::Kind::sequence_b) {
            if (!b) continue;
            ids = *b;
        }
        out.input_ids.insert(out.input_ids.end(), ids.begin(), ids.end());
        out.token_type_ids.insert(out.token_type_ids.end(), ids.size(), piece.type_id);
    }
}

void truncate_segments(std::vector<int32_t>& a, std::vector<int32_t>* b, std::size_t max_length,
                       Truncation strategy) {
    if (strategy == Truncation::do_not_truncate) return;
    if (max_length == 0) {
        a.clear();
        if (b) b->clear();
        return;
    }
    const std::size_t total = a.size() + (b ? b->size() : 0);
    if (total <= max_length) return;
    const std::size_t to_remove = total - max_length;
    switch (strategy) {
        case Truncation::longest_first: {
            if (!b) {
                a.resize(max_length);
                return;
            }
            // HF's formula, as in utils/truncation.rs (n1: the shorter, n2: the longer). When
            // the shorter fits, the longer takes the rest (at least as much as the shorter);
            // otherwise both get half and the odd token goes to the longer, to the second text
            // when both are as long. The lengths are those HF holds at this point, cut at a word
            // boundary near max_length (why: PipelineTokenizer::encode).
            std::size_t n1 = a.size();
            std::size_t n2 = b->size();
            const bool swap = n1 > n2;
            if (swap) std::swap(n1, n2);
            n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
            if (n1 + n2 > max_length) {
                n1 = max_length / 2;
                n2 = n1 + max_length % 2;
            }
            if (swap) std::swap(n1, n2);
            if (a.size() > n1) a.resize(n1);
            if (b->size() > n2) b->resize(n2);
            return;
        }
        case Truncation::only_first:
        case Truncation::only_second: {
            std::vector<int32_t>* target = &a;
            if (strategy == Truncation::only_second) {
                if (!b) throw UsageError("truncation only_second needs a second text");
                target = b;
            }
            if (target->size() <= to_remove)
                throw InputError("the " + std::string(target == &a ? "first" : "second") +
                                 " text is too short to truncate to max length (truncation " +
                                 (target == &a ? "only_first" : "only_second") + ")");
            target->resize(target->size() - to_remove);
            return;
        }
        case Truncation::do_not_truncate:
            return;
    }
}

}  // namespace bertcls::tok
