#pragma once
// A model family: the network that turns a batch of token sequences into logits, and the
// weight-name table it reads. Each family is one file in src/models/ (bert.cpp serves BERT,
// RoBERTa, XLM-RoBERTa, DistilBERT, ALBERT and ELECTRA, which convert into one post-LayerNorm
// layout) and is registered in families.cpp by the config's "family" names. docs/ARCHITECTURE.md,
// "Adding a family".
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "layers/attention_heads.h"
#include "layers/packed_batch.h"
#include "models/model_config.h"
#include "models/weight_table.h"
#include "ops/compute_type.h"

namespace bertcls {

class ModelFile;

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

    // Appends the first `count` floats of `hidden` to hidden_states when `options` asks for them.
    void keep_hidden(const ForwardOptions& options, const float* hidden, int64_t count) {
        if (options.keep_hidden_states) hidden_states.emplace_back(hidden, hidden + count);
    }
};

// A family's network, built from a model file whose weights passed the family's table.
class FamilyEncoder {
public:
    // What one forward pass writes as it goes; each thread running one needs its own.
    struct State {
        virtual ~State() = default;
    };

    virtual ~FamilyEncoder() = default;
    virtual std::unique_ptr<State> make_state() const = 0;
    // Runs sequences already checked against the model (check_sequence). Only reads the weights
    // (and locked primitive caches), so any number of threads may run it at once with different
    // states.
    virtual ForwardResult run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                              State& state) = 0;
    // Re-lays the dense weights out for the GEMM kernels (SequenceClassifier::pack_weights).
    virtual void pack_weights() = 0;
};

struct Family {
    std::vector<std::string> names;  // config "family" values it serves
    // Every weight a model with this config reads, with its expected shape. Throws InputError
    // naming the field when the family's own config fields are missing or wrong.
    std::vector<WeightSpec> (*weights)(const ModelConfig& config);
    std::unique_ptr<FamilyEncoder> (*build)(const ModelFile& model, ComputeType compute);
    // The family's own settings for `bertcls info` (an object; empty when it has none).
    nlohmann::json (*describe)(const ModelConfig& config);
};

// A Family whose encoder is built as `Encoder(model, compute)`.
template <typename Encoder>
Family encoder_family(std::vector<std::string> names, std::vector<WeightSpec> (*weights)(const ModelConfig&),
                      nlohmann::json (*describe)(const ModelConfig&)) {
    return {.names = std::move(names),
            .weights = weights,
            .build = [](const ModelFile& model, ComputeType compute) -> std::unique_ptr<FamilyEncoder> {
                return std::make_unique<Encoder>(model, compute);
            },
            .describe = describe};
}

// The family serving config.family; throws InputError naming the supported ones.
const Family& family_of(const ModelConfig& config);

}  // namespace bertcls
