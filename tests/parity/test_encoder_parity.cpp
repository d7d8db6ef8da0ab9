// Parity of the fp32 encoder with Hugging Face transformers: logits, every hidden state and
// every attention map of each reference model, on real tokens, within 1e-4; logits also when
// batches run side by side (SequenceClassifier::forward_batches).
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include <omp.h>

#include <catch2/catch.hpp>

#include "models/model_file.h"
#include "format/safetensors.h"
#include "models/sequence_classifier.h"
#include "reference_data.h"

using namespace bertcls;

namespace {

constexpr double kTolerance = 1e-4;

struct ReferenceBatch {
    std::vector<std::vector<int32_t>> ids, types;
    int64_t padded_length = 0;
};

ReferenceBatch read_batch(const SafetensorsFile& ref) {
    const auto& ids = *ref.find("input_ids");
    const auto& mask = *ref.find("attention_mask");
    const auto& types = *ref.find("token_type_ids");
    const int64_t B = ids.shape[0], T = ids.shape[1];
    ReferenceBatch batch;
    batch.padded_length = T;
    for (int64_t b = 0; b < B; ++b) {
        auto& row_ids = batch.ids.emplace_back();
        auto& row_types = batch.types.emplace_back();
        for (int64_t t = 0; t < T; ++t) {
            if (mask.as<int64_t>()[b * T + t] == 0) continue;
            row_ids.push_back(static_cast<int32_t>(ids.as<int64_t>()[b * T + t]));
            row_types.push_back(static_cast<int32_t>(types.as<int64_t>()[b * T + t]));
        }
    }
    return batch;
}

std::vector<SequenceInput> as_inputs(const ReferenceBatch& batch) {
    std::vector<SequenceInput> inputs;
    for (std::size_t b = 0; b < batch.ids.size(); ++b) inputs.push_back({batch.ids[b], batch.types[b]});
    return inputs;
}

// Real tokens are a prefix of each padded row in every reference (right padding).
double max_hidden_diff(const TensorInfo& expected, const std::vector<float>& packed, const ReferenceBatch& batch,
                       int64_t hidden) {
    double worst = 0;
    int64_t row = 0;
    for (std::size_t b = 0; b < batch.ids.size(); ++b)
        for (std::size_t t = 0; t < batch.ids[b].size(); ++t, ++row)
            for (int64_t h = 0; h < hidden; ++h) {
                const float want = expected.as<float>()[(b * batch.padded_length + t) * hidden + h];
                worst = std::max(worst, std::abs(double(want) - packed[row * hidden + h]));
            }
    return worst;
}

double max_attention_diff(const TensorInfo& expected, const AttentionMaps& maps, const ReferenceBatch& batch,
                          int64_t heads) {
    double worst = 0;
    const int64_t T = batch.padded_length;
    for (std::size_t b = 0; b < batch.ids.size(); ++b) {
        const auto L = static_cast<int64_t>(batch.ids[b].size());
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t q = 0; q < L; ++q)
                for (int64_t k = 0; k < L; ++k) {
                    const float want = expected.as<float>()[((b * heads + h) * T + q) * T + k];
                    worst = std::max(worst, std::abs(double(want) - maps[b][(h * L + q) * L + k]));
                }
    }
    return worst;
}

}  // namespace

TEST_CASE("encoder matches transformers on every reference model", "[parity]") {
    const auto models = test::reference_models();
    if (!test::have_shared()) WARN("../shared not found: checking tests/data references only");
    REQUIRE_FALSE(models.empty());
    for (const auto& ref_model : models) {
        SECTION(ref_model.name) {
            auto model = std::make_shared<const ModelFile>(ref_model.model_file);
            SequenceClassifier classifier(model);
            const SafetensorsFile ref(ref_model.checkpoint / "reference.safetensors");
            const ReferenceBatch batch = read_batch(ref);
            const auto inputs = as_inputs(batch);
            const auto result = classifier.forward(inputs, {.keep_hidden_states = true, .keep_attentions = true});

            // Logits alone take another path: the last layer runs for the first tokens only.
            const auto logits_only = classifier.forward(inputs).logits;
            // And batches run side by side on two threads, each thread's layers on one core:
            // here every row is its own batch.
            std::vector<std::vector<SequenceInput>> one_row_batches;
            for (const auto& input : inputs) one_row_batches.push_back({input});
            const int threads = omp_get_max_threads();
            omp_set_num_threads(2);
            const auto side_by_side = classifier.forward_batches(one_row_batches);
            omp_set_num_threads(threads);

            const auto& logits = *ref.find("logits");
            REQUIRE(logits.numel() == static_cast<int64_t>(result.logits.size()));
            REQUIRE(logits.numel() == static_cast<int64_t>(logits_only.size()));
            REQUIRE(side_by_side.size() == inputs.size());
            const auto labels = static_cast<std::size_t>(classifier.num_labels());
            double logit_diff = 0;
            for (std::size_t i = 0; i < result.logits.size(); ++i) {
                logit_diff = std::max(logit_diff, std::abs(double(logits.as<float>()[i]) - result.logits[i]));
                logit_diff = std::max(logit_diff, std::abs(double(logits.as<float>()[i]) - logits_only[i]));
                REQUIRE(side_by_side[i / labels].logits.size() == labels);
                logit_diff = std::max(logit_diff, std::abs(double(logits.as<float>()[i]) -
                                                           side_by_side[i / labels].logits[i % labels]));
            }

            const auto& config = classifier.config();
            double hidden_diff = 0, attention_diff = 0;
            REQUIRE(static_cast<int64_t>(result.hidden_states.size()) == config.num_layers + 1);
            for (int64_t l = 0; l <= config.num_layers; ++l) {
                const TensorInfo* expected = ref.find("hidden_states." + std::to_string(l));
                REQUIRE(expected != nullptr);
                hidden_diff = std::max(hidden_diff, max_hidden_diff(*expected, result.hidden_states[l], batch,
                                                                    config.hidden_size));
            }
            for (int64_t l = 0; l < config.num_layers; ++l) {
                const TensorInfo* expected = ref.find("attentions." + std::to_string(l));
                REQUIRE(expected != nullptr);
                attention_diff =
                    std::max(attention_diff, max_attention_diff(*expected, result.attentions[l], batch, config.num_heads));
            }
            std::cout << "parity " << ref_model.name << ": logits " << logit_diff << ", hidden states " << hidden_diff
                      << ", attentions " << attention_diff << "\n";
            CHECK(logit_diff <= kTolerance);
            CHECK(hidden_diff <= kTolerance);
            CHECK(attention_diff <= kTolerance);
        }
    }
}

TEST_CASE("a row gives the same logits alone and inside a mixed-length batch", "[parity][padding]") {
    for (const auto& ref_model : test::reference_models()) {
        SECTION(ref_model.name) {
            auto model = std::make_shared<const ModelFile>(ref_model.model_file);
            SequenceClassifier classifier(model);
            const ReferenceBatch batch = read_batch(SafetensorsFile(ref_model.checkpoint / "reference.safetensors"));
            const auto inputs = as_inputs(batch);
            const auto together = classifier.forward(inputs).logits;
            const auto labels = static_cast<std::size_t>(classifier.num_labels());
            for (std::size_t b = 0; b < inputs.size(); ++b) {
                const auto alone = classifier.forward(std::span(inputs).subspan(b, 1)).logits;
                for (std::size_t i = 0; i < labels; ++i) CHECK(std::abs(alone[i] - together[b * labels + i]) <= 1e-5);
            }
        }
    }
}
