#pragma once
// A whole BERT-family sequence classifier: embeddings, the encoder layers and the head, built
// from a model file. One generic post-LayerNorm encoder serves every family; the family
// differences are data in the config (docs/FORMAT.md).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "format/model_file.h"
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

    // Runs a batch of sequences (with special tokens already added). Throws InputError when an
    // id is outside the vocabulary or a sequence is empty or longer than the model's limit.
    ForwardResult forward(std::span<const SequenceInput> sequences, const ForwardOptions& options = {});

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
    void validate(std::span<const SequenceInput> sequences) const;

    std::shared_ptr<const ModelFile> model_;
    ComputeChoice compute_;
    Embeddings embeddings_;
    std::vector<std::unique_ptr<Layer>> weight_sets_;
    ClassificationHead head_;
    PackedBatch batch_;
    int64_t calls_ = 0;
    bool packed_ = false;
    // hidden_: [rows, H] over the packed batch; first_tokens_: each sequence's first row after the
    // last layer, what the head reads.
    std::vector<float> hidden_, first_tokens_, embedding_scratch_;
    Workspace workspace_;  // activation buffers shared by all layers
};

}  // namespace bertcls
