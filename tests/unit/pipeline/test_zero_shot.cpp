// pipeline/zero_shot.h helpers and the score rule of models/prediction.h, against what
// transformers does (its zero-shot pipeline's label parsing, str.format, entailment_id and
// contradiction_id; TextClassificationPipeline's function choice).
#include <catch2/catch.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "models/prediction.h"
#include "pipeline/zero_shot.h"
#include "util/error.h"

using namespace bertcls;
using namespace bertcls::pipeline;

namespace {

ModelConfig with_labels(std::vector<std::string> labels, nlohmann::json json = nlohmann::json::object()) {
    ModelConfig c;
    c.labels = std::move(labels);
    c.json = std::make_shared<const nlohmann::json>(std::move(json));
    return c;
}

}  // namespace

TEST_CASE("hypotheses are the template formatted as Python's str.format", "[zero-shot]") {
    CHECK(format_hypothesis("This example is {}.", "sports") == "This example is sports.");
    CHECK(format_hypothesis("{0} or {}?", "x") == "x or x?");
    CHECK(format_hypothesis("{{literal}} {}", "x") == "{literal} x");
    CHECK_THROWS_AS(format_hypothesis("no slot", "x"), UsageError);
    CHECK_THROWS_AS(format_hypothesis("{label}", "x"), UsageError);
    CHECK_THROWS_AS(format_hypothesis("{} }", "x"), UsageError);
}

TEST_CASE("labels parse as the pipeline's comma list, and from files one a line", "[zero-shot]") {
    CHECK(split_labels(" sports , politics,,technology ") == std::vector<std::string>{"sports", "politics", "technology"});
    CHECK(split_labels(" , ").empty());
    CHECK(labels_from_file("a\n\n b \r\nc", "f") == std::vector<std::string>{"a", "b", "c"});
    CHECK_THROWS_AS(labels_from_file("\n \n", "f"), InputError);
    CHECK_THROWS_AS(labels_from_file("a\n\xff\n", "f"), InputError);
    CHECK_THROWS_AS(check_labels({}, "--labels"), UsageError);
    CHECK_THROWS_AS(check_labels({"a", "b", "a"}, "--labels"), UsageError);
}

TEST_CASE("entailment comes from label2id; contradiction as the pipeline (0, or the last)", "[zero-shot]") {
    const auto ids = nli_label_ids(with_labels({"contradiction", "neutral", "entailment"}));
    CHECK(ids.entailment == 2);
    CHECK(ids.contradiction == 0);
    const auto first = nli_label_ids(with_labels({"ENTAILMENT", "neutral", "contradiction"}));
    CHECK(first.entailment == 0);
    CHECK(first.contradiction == 2);
    // label2id as recorded by the converter wins over the label order.
    const auto recorded = nli_label_ids(with_labels(
        {"LABEL_0", "LABEL_1", "LABEL_2"},
        {{"label2id", nlohmann::json::array({nlohmann::json::array({"contradiction", 0}), nlohmann::json::array({"entailment", 1}),
                                              nlohmann::json::array({"neutral", 2})})}}));
    CHECK(recorded.entailment == 1);
    CHECK(recorded.contradiction == 0);
    // Two-class RTE-style models work as in the pipeline: not_entailment plays contradiction.
    const auto rte = nli_label_ids(with_labels({"entailment", "not_entailment"}));
    CHECK(rte.entailment == 0);
    CHECK(rte.contradiction == 1);
    CHECK_THROWS_AS(nli_label_ids(with_labels({"sadness", "joy"})), InputError);
    CHECK_THROWS_AS(nli_label_ids(with_labels({"entailment"})), InputError);
    CHECK_THROWS_AS(nli_label_ids(with_labels({"a", "b"}, {{"label2id", nlohmann::json::array({nlohmann::json::array({"entailment", 5})})}})),
                    InputError);
}

TEST_CASE("the text-classification pipeline's score rule", "[scores]") {
    ModelConfig c = with_labels({"a", "b", "c"});
    CHECK(default_score_function(c) == ScoreFunction::softmax);
    c.function_to_apply = ScoreFunction::none;
    CHECK(default_score_function(c) == ScoreFunction::none);
    c.problem_type = ProblemType::multi_label;
    CHECK(default_score_function(c) == ScoreFunction::sigmoid);
    ModelConfig one = with_labels({"score"});
    one.problem_type = ProblemType::regression;
    CHECK(default_score_function(one) == ScoreFunction::none);  // regression, as config.json said
    one.problem_type_inferred = true;
    CHECK(default_score_function(one) == ScoreFunction::sigmoid);  // no problem_type: one label, sigmoid
    const float logit[] = {0.0f};
    CHECK(make_prediction(one, logit).scores[0] == 0.5f);
    CHECK(make_prediction(one, logit, ScoreFunction::none).scores[0] == 0.0f);
}
