#include "batch/length_batcher.h"

#include <algorithm>
#include <numeric>

namespace bertcls::batch {

std::vector<std::vector<std::size_t>> plan_batches(std::span<const std::size_t> lengths, const BatchLimits& limits) {
    std::vector<std::size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
    std::vector<std::vector<std::size_t>> batches;
    std::size_t tokens = 0;
    for (const std::size_t i : order) {
        const bool full = !batches.empty() && (batches.back().size() >= std::max<std::size_t>(limits.max_sequences, 1) ||
                                               tokens + lengths[i] > limits.max_tokens);
        if (batches.empty() || full) {
            batches.emplace_back();
            tokens = 0;
        }
        batches.back().push_back(i);
        tokens += lengths[i];
    }
    return batches;
}

std::vector<float> classify_all(SequenceClassifier& classifier, std::span<const SequenceInput> sequences,
                                const BatchLimits& limits) {
    const auto labels = static_cast<std::size_t>(classifier.num_labels());
    std::vector<float> logits(sequences.size() * labels);
    std::vector<std::size_t> lengths(sequences.size());
    for (std::size_t i = 0; i < sequences.size(); ++i) lengths[i] = sequences[i].input_ids.size();
    std::vector<SequenceInput> batch;
    for (const auto& members : plan_batches(lengths, limits)) {
        batch.clear();
        for (const std::size_t i : members) batch.push_back(sequences[i]);
        const ForwardResult result = classifier.forward(batch);
        for (std::size_t k = 0; k < members.size(); ++k)
            std::copy_n(result.logits.begin() + k * labels, labels, logits.begin() + members[k] * labels);
    }
    return logits;
}

}  // namespace bertcls::batch
