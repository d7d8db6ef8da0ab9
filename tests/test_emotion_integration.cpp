// The bundled default model against transformers on the real emotion test set: token ids,
// logits (1e-4) and predictions on all 2000 rows, and the accuracy transformers reports.
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>

#include "cli/common.h"
#include "format/model_file.h"
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

}  // namespace

TEST_CASE("bundled emotion model reproduces transformers on the emotion test set", "[integration]") {
    if (!test::have_shared()) {
        WARN("skipping: ../shared not found (emotion test set)");
        return;
    }
    const auto rows = read_emotion_reference(test::shared_dir());
    REQUIRE(rows.size() == 2000);

    auto model = std::make_shared<const ModelFile>(cli::resolve_model_path(""));
    REQUIRE(model->has_tokenizer());
    const auto tokenizer = make_tokenizer(model->tokenizer_files());
    SequenceClassifier classifier(model);
    const auto& labels = model->config().labels;

    std::size_t id_mismatches = 0, pred_mismatches = 0, correct = 0;
    double worst_logit_diff = 0;
    constexpr std::size_t kBatch = 64;
    for (std::size_t start = 0; start < rows.size(); start += kBatch) {
        std::vector<Encoding> encodings;
        std::vector<SequenceInput> inputs;
        const std::size_t end = std::min(rows.size(), start + kBatch);
        for (std::size_t i = start; i < end; ++i) {
            // The reference ids were made with max_length 128.
            encodings.push_back(tokenizer->encode(rows[i].text, std::nullopt, {.max_length = 128}));
            if (encodings.back().input_ids != rows[i].expected_ids) ++id_mismatches;
        }
        for (const auto& e : encodings) inputs.push_back({e.input_ids, e.token_type_ids});
        const auto logits = classifier.forward(inputs).logits;
        for (std::size_t i = start; i < end; ++i) {
            const float* row_logits = logits.data() + (i - start) * labels.size();
            const auto pred = std::max_element(row_logits, row_logits + labels.size()) - row_logits;
            if (pred != rows[i].expected_pred) ++pred_mismatches;
            if (labels[pred] == rows[i].label) ++correct;
            for (std::size_t k = 0; k < labels.size(); ++k)
                worst_logit_diff = std::max(worst_logit_diff, double(std::abs(row_logits[k] - rows[i].expected_logits[k])));
        }
    }
    const double accuracy = double(correct) / rows.size();
    INFO("accuracy " << accuracy << ", worst logit diff " << worst_logit_diff);
    CHECK(id_mismatches == 0);
    CHECK(pred_mismatches == 0);
    // Reference logits are printed with 6 decimals, so allow their rounding on top of 1e-4.
    CHECK(worst_logit_diff <= 1e-4 + 5e-7);
    CHECK(std::abs(accuracy - 0.8575) < 1e-9);
}
