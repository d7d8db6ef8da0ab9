// The bundled default model against transformers on the real emotion test set: token ids,
// logits (1e-4) and predictions on all 2000 rows, and the accuracy transformers reports.
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <catch2/catch.hpp>

#include "models/model_file.h"
#include "models/sequence_classifier.h"
#include "reference_data.h"

using namespace bertcls;

namespace {

struct EmotionRow {
    std::string text, label;
    int expected_pred = -1;
    std::vector<float> expected_logits;
    std::vector<int32_t> expected_ids;
};

std::vector<EmotionRow> read_emotion_reference(const std::filesystem::path& shared) {
    const auto model_dir = shared / "models" / "emotion-bert-L2-H128";
    std::ifstream texts(shared / "data" / "emotion" / "test.txt");
    std::ifstream reference(model_dir / "reference_emotion_test.tsv");
    std::ifstream ids(model_dir / "reference_emotion_test_input_ids.txt");
    std::string line;
    std::getline(texts, line);      // header: text;label_name
    std::getline(reference, line);  // header: idx label pred logits
    std::vector<EmotionRow> rows;
    while (std::getline(texts, line)) {
        EmotionRow row;
        const auto split = line.rfind(';');
        row.text = line.substr(0, split);
        row.label = line.substr(split + 1);
        REQUIRE(std::getline(reference, line));
        std::istringstream fields(line);
        int idx = 0, label = 0;
        fields >> idx >> label >> row.expected_pred;
        for (float v; fields >> v;) row.expected_logits.push_back(v);
        REQUIRE(std::getline(ids, line));
        std::istringstream id_fields(line);
        for (int32_t v; id_fields >> v;) row.expected_ids.push_back(v);
        rows.push_back(std::move(row));
    }
    return rows;
}

struct EmotionRun {
    std::size_t id_mismatches = 0, pred_mismatches = 0, correct = 0;
    double worst_logit_diff = 0;
    double accuracy() const { return double(correct) / 2000; }
};

// Classifies the whole test set in `compute` arithmetic and compares with transformers (f32).
EmotionRun run_emotion(const std::vector<EmotionRow>& rows, std::optional<ComputeType> compute) {
    auto model = std::make_shared<const ModelFile>(std::filesystem::path(BERTCLS_SOURCE_MODEL_DIR) / "emotion-bert-L2-H128.bertcls");
    REQUIRE(model->has_tokenizer());
    const auto tokenizer = make_tokenizer(model->tokenizer_files());
    SequenceClassifier classifier(model, compute);
    const auto& labels = model->config().labels;

    EmotionRun run;
    constexpr std::size_t kBatch = 64;
    for (std::size_t start = 0; start < rows.size(); start += kBatch) {
        std::vector<Encoding> encodings;
        std::vector<SequenceInput> inputs;
        const std::size_t end = std::min(rows.size(), start + kBatch);
        for (std::size_t i = start; i < end; ++i) {
            // The reference ids were made with max_length 128.
            encodings.push_back(tokenizer->encode(rows[i].text, std::nullopt, {.max_length = 128}));
            if (encodings.back().input_ids != rows[i].expected_ids) ++run.id_mismatches;
        }
        for (const auto& e : encodings) inputs.push_back({e.input_ids, e.token_type_ids});
        const auto logits = classifier.forward(inputs).logits;
        for (std::size_t i = start; i < end; ++i) {
            const float* row_logits = logits.data() + (i - start) * labels.size();
            const auto pred = std::max_element(row_logits, row_logits + labels.size()) - row_logits;
            if (pred != rows[i].expected_pred) ++run.pred_mismatches;
            if (labels[pred] == rows[i].label) ++run.correct;
            for (std::size_t k = 0; k < labels.size(); ++k)
                run.worst_logit_diff =
                    std::max(run.worst_logit_diff, double(std::abs(row_logits[k] - rows[i].expected_logits[k])));
        }
    }
    return run;
}

}  // namespace

TEST_CASE("bundled emotion model reproduces transformers on the emotion test set", "[integration]") {
    if (!test::have_shared()) {
        WARN("skipping: ../shared not found (emotion test set)");
        return;
    }
    const auto rows = read_emotion_reference(test::shared_dir());
    REQUIRE(rows.size() == 2000);
    const EmotionRun run = run_emotion(rows, std::nullopt);
    INFO("accuracy " << run.accuracy() << ", worst logit diff " << run.worst_logit_diff);
    CHECK(run.id_mismatches == 0);
    CHECK(run.pred_mismatches == 0);
    // Reference logits are printed with 6 decimals, so allow their rounding on top of 1e-4.
    CHECK(run.worst_logit_diff <= 1e-4 + 5e-7);
    CHECK(std::abs(run.accuracy() - 0.8575) < 1e-9);
}

// The accuracy promises of bf16 and int8 (issue #6), against transformers' f32 answers: bf16
// keeps >= 99.5% of predictions and accuracy within 0.3 points, int8 accuracy within 0.5 points.
// The logit bounds are about twice what was measured (0.023 and 0.199), so a real regression in
// rounding, packing or the zero-point correction trips them.
TEST_CASE("bf16 and int8 keep the emotion model's answers", "[integration][dtype]") {
    if (!test::have_shared()) {
        WARN("skipping: ../shared not found (emotion test set)");
        return;
    }
    const auto rows = read_emotion_reference(test::shared_dir());
    REQUIRE(rows.size() == 2000);
    const double f32_accuracy = 0.8575;
    struct Case {
        ComputeType type;
        double min_agreement, max_accuracy_drop, max_logit_diff;
    };
    for (const Case c : {Case{ComputeType::bf16, 0.995, 0.003, 0.05}, Case{ComputeType::int8, 0.99, 0.005, 0.4}}) {
        const ComputeChoice choice = choose_compute_type(c.type);
        if (choice.effective != c.type) WARN("this CPU runs " << compute_type_name(c.type) << " as f32: " << choice.reason);
        const EmotionRun run = run_emotion(rows, c.type);
        INFO(compute_type_name(c.type) << ": accuracy " << run.accuracy() << ", predictions differing from f32 "
                                       << run.pred_mismatches << ", worst logit diff " << run.worst_logit_diff);
        CHECK(1.0 - double(run.pred_mismatches) / rows.size() >= c.min_agreement);
        CHECK(f32_accuracy - run.accuracy() <= c.max_accuracy_drop);
        CHECK(run.worst_logit_diff <= c.max_logit_diff);
        CHECK(run.worst_logit_diff > 0);  // it really ran in reduced precision, or fell back
    }
}
