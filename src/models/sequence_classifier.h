#pragma once
// A whole BERT-family sequence classifier: embeddings, the encoder layers and the head, built
// from a model file. One generic post-LayerNorm encoder serves every family; the family
// differences are data in the config (docs/FORMAT.md).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "models/model_file.h"
#include "layers/attention.h"
#include "layers/classification_head.h"
#include "layers/embeddings.h"
#include "layers/feed_forward.h"
#include "layers/packed_batch.h"
#include "ops/compute_type.h"

namespace bertcls {

struct ForwardOptions {
    bool keep_hidden_states = false;  // embedding output and every layer's output
    bool keep_attentions = false;     // every layer's softmax probabilities
};

struct ForwardResult {
    std::vector<float> logits;  // [sequences, labels]
    // When asked: hidden_states[l] is [tokens, hidden] over the packed batch (l = 0 is the
    // embedding output), and attentions[l][s] is [heads, L_s, L_s].
    std::vector<std::vector<float>> hidden_states;
    std::vector<AttentionMaps> attentions;
};

class SequenceClassifier {
public:
    // `compute` overrides the arithmetic the model file was converted for (e.g. bf16 for an f32
    // file). Either way the CPU may not run it natively; compute_choice() says what runs.
    explicit SequenceClassifier(std::shared_ptr<const ModelFile> model,
                                std::optional<ComputeType> compute = std::nullopt);

    const ModelConfig& config() const { return model_->config(); }
    const ModelFile& model_file() const { return *model_; }
    const ComputeChoice& compute_choice() const { return compute_; }
    int64_t num_labels() const { return static_cast<int64_t>(config().labels.size()); }

    // Runs a batch of sequences (with special tokens already added), every layer's work split
    // between the threads. Throws InputError when an id is outside the vocabulary or a sequence
    // is empty or longer than the model's limit.
    ForwardResult forward(std::span<const SequenceInput> sequences, const ForwardOptions& options = {});

    // Runs independent batches at once, one per thread, each thread's layers on one core;
    // results[i] is batches[i]'s. With many batches to run this is faster than forward on each
    // in turn: threads never wait for each other inside a layer, where forward's threads meet
    // after every GEMM. Batches are taken in order as threads come free, so the last ones
    // should be the smallest (pipeline::plan_batches does that). The first failure is rethrown.
    std::vector<ForwardResult> forward_batches(std::span<const std::vector<SequenceInput>> batches);

    // Dense weights are first read in place from the mapped file, which is what a process that
    // classifies once wants (nothing is copied). A classifier used again re-lays them out for
    // the GEMM kernels (about 10% faster per call, one pass over the weights; the mapped pages
    // are released, so the weights stay resident once): forward does it before its second
    // call, or a caller that knows it will run many batches can do it up front.
    void pack_weights();
    bool weights_packed() const { return packed_; }

private:
    struct Layer {
        SelfAttention attention;
        FeedForward feed_forward;
    };
    // What one forward call writes as it goes; each thread running one needs its own.
    // hidden: [rows, H] over the packed batch; first_tokens: each sequence's first row after the
    // last layer, what the head reads.
    struct ForwardState {
        PackedBatch batch;
        std::vector<float> hidden, first_tokens, embedding_scratch;
        Workspace workspace;  // activation buffers shared by all layers
    };
    void validate(std::span<const SequenceInput> sequences) const;
    // Layers and head only read the weights and their (locked) primitive caches, so any number
    // of threads may run this at once with different states.
    ForwardResult run(std::span<const SequenceInput> sequences, const ForwardOptions& options, ForwardState& state);

    std::shared_ptr<const ModelFile> model_;
    ComputeChoice compute_;
    Embeddings embeddings_;
    std::vector<std::unique_ptr<Layer>> weight_sets_;
    ClassificationHead head_;
    int64_t calls_ = 0;
    bool packed_ = false;
    ForwardState state_;                                      // forward's
    std::vector<std::unique_ptr<ForwardState>> worker_states_;  // forward_batches', one per thread
};

}  // namespace bertcls
