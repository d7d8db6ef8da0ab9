#pragma once
// A whole sequence classifier built from a model file: the family's network (models/family.h)
// plus what every family shares: input checks, per-thread state, and running many batches side
// by side.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "layers/packed_batch.h"
#include "models/family.h"
#include "models/model_file.h"
#include "ops/compute_type.h"

namespace bertcls {

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
    // the GEMM kernels (one pass over the weights; the mapped pages are released, so the
    // weights stay resident once): forward does it before its second call, or a caller that
    // knows it will run many batches can do it up front.
    void pack_weights();
    bool weights_packed() const { return packed_; }

private:
    void validate(std::span<const SequenceInput> sequences) const;

    std::shared_ptr<const ModelFile> model_;
    ComputeChoice compute_;
    std::unique_ptr<FamilyEncoder> encoder_;
    int64_t calls_ = 0;
    bool packed_ = false;
    std::unique_ptr<FamilyEncoder::State> state_;                       // forward's
    std::vector<std::unique_ptr<FamilyEncoder::State>> worker_states_;  // forward_batches', one per thread
};

}  // namespace bertcls
