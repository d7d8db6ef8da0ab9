#include "pipeline/length_batcher.h"

#include <omp.h>

#include <algorithm>
#include <numeric>

namespace bertcls::pipeline {

std::vector<std::vector<std::size_t>> plan_batches(std::span<const std::size_t> lengths, const BatchLimits& limits,
                                                   int workers) {
    std::vector<std::size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
    const auto shares = static_cast<std::size_t>(std::max(workers, 1));
    const std::size_t max_sequences = std::max<std::size_t>(limits.max_sequences, 1);
    const std::size_t max_tokens = shares == 1 ? limits.max_tokens : std::max<std::size_t>(limits.max_tokens / shares, 1);
    std::size_t unplanned = std::accumulate(lengths.begin(), lengths.end(), std::size_t{0});
    std::vector<std::vector<std::size_t>> batches;
    std::size_t tokens = 0, budget = 0;
    for (const std::size_t i : order) {
        const bool full = !batches.empty() && (batches.back().size() >= max_sequences || tokens + lengths[i] > budget);
        if (batches.empty() || full) {
            batches.emplace_back();
            tokens = 0;
            budget = shares == 1 ? max_tokens
                                 : std::clamp(unplanned / (2 * shares), std::min(kMinWorkerTokens, max_tokens), max_tokens);
        }
        batches.back().push_back(i);
        tokens += lengths[i];
        unplanned -= lengths[i];
    }
    return batches;
}

int side_by_side_batches(std::size_t tokens) {
    const int threads = omp_get_max_threads();
    return tokens >= static_cast<std::size_t>(threads) * 4 * kMinWorkerTokens ? threads : 1;
}

std::vector<float> classify_all(SequenceClassifier& classifier, std::span<const SequenceInput> sequences,
                                const BatchLimits& limits) {
    const auto labels = static_cast<std::size_t>(classifier.num_labels());
    std::vector<float> logits(sequences.size() * labels);
    std::vector<std::size_t> lengths(sequences.size());
    for (std::size_t i = 0; i < sequences.size(); ++i) lengths[i] = sequences[i].input_ids.size();
    const int workers = side_by_side_batches(std::accumulate(lengths.begin(), lengths.end(), std::size_t{0}));

    const auto plan = plan_batches(lengths, limits, workers);
    std::vector<std::vector<SequenceInput>> batches(plan.size());
    for (std::size_t b = 0; b < plan.size(); ++b)
        for (const std::size_t i : plan[b]) batches[b].push_back(sequences[i]);
    const auto store = [&](const std::vector<std::size_t>& members, const ForwardResult& result) {
        for (std::size_t k = 0; k < members.size(); ++k)
            std::copy_n(result.logits.begin() + k * labels, labels, logits.begin() + members[k] * labels);
    };
    if (workers > 1) {
        const std::vector<ForwardResult> results = classifier.forward_batches(batches);
        for (std::size_t b = 0; b < plan.size(); ++b) store(plan[b], results[b]);
    } else {
        for (std::size_t b = 0; b < plan.size(); ++b) store(plan[b], classifier.forward(batches[b]));
    }
    return logits;
}

}  // namespace bertcls::pipeline
