// The fp32 engine's own invariant, beyond parity with transformers: a sequence gets the same
// logits alone or inside mixed-length batches of any size, with weights read in place or packed,
// and with batches run one at a time or side by side.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <omp.h>

#include <catch2/catch.hpp>

#include "pipeline/length_batcher.h"
#include "models/model_file.h"
#include "models/sequence_classifier.h"
#include "reference_data.h"

using namespace bertcls;

namespace {

std::vector<int32_t> random_ids(std::size_t length, int64_t vocab, std::mt19937& rng) {
    std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(vocab - 1));
    std::vector<int32_t> ids(length);
    for (auto& id : ids) id = dist(rng);
    return ids;
}

// Runs `check` on a fresh classifier for each reference model, one Catch2 section per model.
template <typename Check>
void on_each_reference_model(Check&& check) {
    const auto models = test::reference_models();
    REQUIRE_FALSE(models.empty());
    for (const auto& ref_model : models) {
        SECTION(ref_model.name) {
            SequenceClassifier classifier(std::make_shared<const ModelFile>(ref_model.model_file));
            check(classifier);
        }
    }
}

}  // namespace
TEST_CASE("mixed-length batches give each row the logits it gets alone", "[engine][padding]") {
    on_each_reference_model([](SequenceClassifier& classifier) {
        const ModelConfig& config = classifier.config();
        std::mt19937 rng(11);
        // Lengths from 1 to the model's limit, unsorted, and enough rows that the dense
        // layers' row count gets rounded up (padding rows).
        std::vector<std::size_t> lengths = {7, 1, 33, 2, static_cast<std::size_t>(config.max_length), 16, 5, 64, 3};
        for (int i = 0; i < 40; ++i) lengths.push_back(1 + rng() % 40);
        std::vector<std::vector<int32_t>> ids, types;
        for (auto& L : lengths) L = std::min<std::size_t>(L, static_cast<std::size_t>(config.max_length));
        for (const std::size_t L : lengths) {
            ids.push_back(random_ids(L, config.vocab_size, rng));
            std::vector<int32_t> t(L, 0);
            if (config.type_vocab_size > 1)
                for (std::size_t i = L / 2; i < L; ++i) t[i] = 1;
            types.push_back(std::move(t));
        }
        std::vector<SequenceInput> inputs;
        for (std::size_t i = 0; i < ids.size(); ++i) inputs.push_back({ids[i], types[i]});
        const auto labels = static_cast<std::size_t>(classifier.num_labels());

        // First call: weights read in place from the mapping.
        REQUIRE_FALSE(classifier.weights_packed());
        const auto unpacked = classifier.forward(inputs);
        CHECK(unpacked.hidden_states.empty());
        CHECK(unpacked.attentions.empty());
        for (const auto x : unpacked.logits) REQUIRE(std::isfinite(x));
        // Later calls: packed weights.
        for (std::size_t b = 0; b < inputs.size(); ++b) {
            const auto alone = classifier.forward(std::span(inputs).subspan(b, 1)).logits;
            INFO("row " << b << " of length " << lengths[b]);
            for (std::size_t i = 0; i < labels; ++i) CHECK(std::abs(alone[i] - unpacked.logits[b * labels + i]) <= 1e-5);
        }
        REQUIRE(classifier.weights_packed());
        // Sub-batches of several sizes, including ones whose token counts need padding rows.
        for (const std::size_t size : {2u, 5u, 13u, 49u}) {
            for (std::size_t first = 0; first + size <= inputs.size(); first += size) {
                const auto part = classifier.forward(std::span(inputs).subspan(first, size)).logits;
                for (std::size_t i = 0; i < size * labels; ++i)
                    CHECK(std::abs(part[i] - unpacked.logits[first * labels + i]) <= 1e-5);
            }
        }
    });
}

TEST_CASE("batches run side by side give each row the logits it gets alone, in input order", "[engine][padding]") {
    const int threads = omp_get_max_threads();
    omp_set_num_threads(2);
    on_each_reference_model([](SequenceClassifier& classifier) {
        const ModelConfig& config = classifier.config();
        std::mt19937 rng(5);
        // Unsorted lengths, enough tokens that classify_all runs its batches side by side.
        std::vector<std::vector<int32_t>> ids;
        std::size_t tokens = 0;
        while (tokens < 3000) {
            const auto L = std::min<std::size_t>(1 + rng() % 48, static_cast<std::size_t>(config.max_length));
            ids.push_back(random_ids(L, config.vocab_size, rng));
            tokens += L;
        }
        REQUIRE(pipeline::side_by_side_batches(tokens) == 2);
        std::vector<SequenceInput> inputs;
        for (const auto& row : ids) inputs.push_back({row, {}});
        const auto labels = static_cast<std::size_t>(classifier.num_labels());
        const auto logits = pipeline::classify_all(classifier, inputs, {.max_sequences = 8, .max_tokens = 600});
        REQUIRE(logits.size() == inputs.size() * labels);
        for (std::size_t b = 0; b < inputs.size(); ++b) {
            const auto alone = classifier.forward(std::span(inputs).subspan(b, 1)).logits;
            INFO("row " << b << " of length " << ids[b].size());
            for (std::size_t i = 0; i < labels; ++i) CHECK(std::abs(alone[i] - logits[b * labels + i]) <= 1e-5);
        }

        // A bad batch anywhere fails the whole call with the sequence named, before any runs.
        std::vector<std::vector<SequenceInput>> batches(5, std::vector<SequenceInput>(inputs.begin(), inputs.begin() + 3));
        const std::vector<int32_t> outside{0, static_cast<int32_t>(config.vocab_size)};
        batches[3][1] = {outside, {}};
        CHECK_THROWS_WITH(classifier.forward_batches(batches), Catch::Contains("outside the vocabulary") &&
                                                                 Catch::Contains("sequence 2"));
    });
    omp_set_num_threads(threads);
}
