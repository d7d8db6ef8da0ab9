#include "models/sequence_classifier.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include "models/sequence_check.h"
#include "util/error.h"

namespace bertcls {

SequenceClassifier::SequenceClassifier(std::shared_ptr<const ModelFile> model, std::optional<ComputeType> compute)
    : model_(std::move(model)),
      compute_(choose_compute_type(compute.value_or(model_->stored_compute_type()))),
      encoder_(family_of(config()).build(*model_, compute_.effective)),
      state_(encoder_->make_state()) {}

void SequenceClassifier::pack_weights() {
    if (packed_) return;
    encoder_->pack_weights();
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
    return encoder_->run(sequences, options, *state_);
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
    while (worker_states_.size() < static_cast<std::size_t>(workers)) worker_states_.push_back(encoder_->make_state());
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
#pragma omp parallel num_threads(workers)
    {
        omp_set_num_threads(1);  // for this thread's layers: a GEMM's own parallel regions run on it alone
        FamilyEncoder::State& state = *worker_states_[static_cast<std::size_t>(omp_get_thread_num())];
        for (std::size_t i; (i = next.fetch_add(1)) < batches.size();) {
            try {
                results[i] = encoder_->run(batches[i], {}, state);
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

}  // namespace bertcls
