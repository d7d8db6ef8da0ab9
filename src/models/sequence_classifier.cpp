#include "models/sequence_classifier.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include "models/bert_weights.h"
#include "models/sequence_check.h"
#include "util/error.h"

namespace bertcls {

SequenceClassifier::SequenceClassifier(std::shared_ptr<const ModelFile> model, std::optional<ComputeType> compute)
    : model_(std::move(model)),
      compute_(choose_compute_type(compute.value_or(model_->stored_compute_type()))),
      embeddings_(bert_weights::embeddings(*model_),
                  {.position_offset = config().position_offset,
                   .pad_token_id = config().pad_token_id,
                   .layer_norm_eps = config().layer_norm_eps},
                  &model_->container().mapping()),
      head_(bert_weights::head(*model_), config().head_activation, &model_->container().mapping()) {
    const ComputeType type = compute_.effective;
    const ModelConfig& c = config();
    const MappedFile* source = &model_->container().mapping();
    for (int64_t g = 0; g < c.num_layer_weights; ++g)
        weight_sets_.push_back(std::make_unique<Layer>(
            Layer{SelfAttention(bert_weights::attention(*model_, g), c.num_heads, c.layer_norm_eps, source, type),
                  FeedForward(bert_weights::feed_forward(*model_, g), c.hidden_act, c.layer_norm_eps, source, type)}));
}

void SequenceClassifier::pack_weights() {
    if (packed_) return;
    embeddings_.pack_weights();
    for (auto& layer : weight_sets_) {
        layer->attention.pack_weights();
        layer->feed_forward.pack_weights();
    }
    head_.pack_weights();
    packed_ = true;
}

void SequenceClassifier::validate(std::span<const SequenceInput> sequences) const {
    for (std::size_t s = 0; s < sequences.size(); ++s) {
        const std::string problem =
            check_sequence(config(), sequences[s].input_ids, sequences[s].token_type_ids, config().max_length);
        if (!problem.empty())
            throw InputError(problem + (sequences.size() > 1 ? " (sequence " + std::to_string(s + 1) + ")" : ""));
    }
}

ForwardResult SequenceClassifier::forward(std::span<const SequenceInput> sequences, const ForwardOptions& options) {
    validate(sequences);
    if (++calls_ == 2) pack_weights();
    return run(sequences, options, state_);
}

std::vector<ForwardResult> SequenceClassifier::forward_batches(std::span<const std::vector<SequenceInput>> batches) {
    std::vector<ForwardResult> results(batches.size());
    const int workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(omp_get_max_threads()), batches.size()));
    if (workers <= 1) {
        for (std::size_t i = 0; i < batches.size(); ++i) results[i] = forward(batches[i]);
        return results;
    }
    for (const auto& batch : batches) validate(batch);
    pack_weights();  // several batches: the weights earn their re-layout
    while (worker_states_.size() < static_cast<std::size_t>(workers)) worker_states_.push_back(std::make_unique<ForwardState>());
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
#pragma omp parallel num_threads(workers)
    {
        omp_set_num_threads(1);  // for this thread's layers: a GEMM's own parallel regions run on it alone
        ForwardState& state = *worker_states_[static_cast<std::size_t>(omp_get_thread_num())];
        for (std::size_t i; (i = next.fetch_add(1)) < batches.size();) {
            try {
                results[i] = run(batches[i], {}, state);
            } catch (...) {
                const std::lock_guard lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                next = batches.size();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
    return results;
}

ForwardResult SequenceClassifier::run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                                      ForwardState& state) {
    ForwardResult result;
    result.logits.resize(sequences.size() * static_cast<std::size_t>(num_labels()));
    if (sequences.empty()) return result;

    PackedBatch& batch = state.batch;
    batch.clear();
    for (const auto& seq : sequences) batch.add(seq);
    const int64_t N = batch.tokens(), H = config().hidden_size;
    // The dense layers run over `rows` >= N rows (see padded_rows); attention and the head
    // read only the real ones.
    const int64_t rows = padded_rows(N);
    std::vector<float>& hidden = state.hidden;
    if (hidden.size() < static_cast<std::size_t>(rows * H)) hidden.resize(static_cast<std::size_t>(rows * H));

    const auto keep_hidden = [&] {
        if (options.keep_hidden_states) result.hidden_states.emplace_back(hidden.begin(), hidden.begin() + N * H);
    };
    const int64_t B = batch.sequences();
    float* first_tokens = Workspace::reserve(state.first_tokens, static_cast<std::size_t>(padded_rows(B) * H));
    // Logits depend only on the first tokens' final states, so unless the caller wants every
    // token's states, the last layer runs the queries, the output projection and the FFN for the
    // first tokens alone (about 80% of that layer's work is skipped).
    const bool first_tokens_only = !options.keep_hidden_states && !options.keep_attentions;
    const int64_t full_layers = config().num_layers - (first_tokens_only ? 1 : 0);

    embeddings_.forward(batch, rows, hidden.data(), state.embedding_scratch);
    keep_hidden();
    for (int64_t l = 0; l < full_layers; ++l) {
        Layer& layer = *weight_sets_[config().weight_set_of_layer(l)];
        AttentionMaps* maps = options.keep_attentions ? &result.attentions.emplace_back() : nullptr;
        layer.attention.forward(hidden.data(), rows, batch, maps, state.workspace);
        layer.feed_forward.forward(hidden.data(), rows, state.workspace);
        keep_hidden();
    }
    if (first_tokens_only) {
        Layer& last = *weight_sets_[config().weight_set_of_layer(config().num_layers - 1)];
        last.attention.forward_first_tokens(hidden.data(), rows, batch, first_tokens, state.workspace);
        last.feed_forward.forward(first_tokens, padded_rows(B), state.workspace);
    } else {
        batch.gather_first_rows(hidden.data(), H, first_tokens);
    }
    head_.forward(first_tokens, B, result.logits.data(), state.workspace);
    return result;
}

}  // namespace bertcls
