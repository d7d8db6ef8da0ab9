// src/eval: accuracy, per-label F1, macro-F1 and model agreement on hand-computed cases, and the
// labelled-set reader (formats, headers, column choice, gold labels, malformed lines).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "eval/delimited.h"
#include "eval/labelled_set.h"
#include "eval/metrics.h"
#include "util/error.h"

using namespace bertcls;
using namespace bertcls::eval;
using Catch::Matchers::Contains;

TEST_CASE("eval metrics: accuracy, per-label and macro-F1 by hand", "[eval]") {
    // gold:      0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    // label 0: tp 2, predicted 2, support 3 -> p 1, r 2/3, f1 0.8
    // label 1: tp 1, predicted 2, support 2 -> p 1/2, r 1/2, f1 0.5
    // label 2: tp 1, predicted 2, support 1 -> p 1/2, r 1, f1 2/3
    const std::vector<int> gold{0, 0, 0, 1, 1, 2}, predicted{0, 0, 1, 1, 2, 2};
    const auto m = classification_metrics(gold, predicted, 3);
    CHECK(m.examples == 6);
    CHECK(m.correct == 4);
    CHECK(m.accuracy == Approx(4.0 / 6));
    CHECK(m.per_label[0].f1 == Approx(0.8));
    CHECK(m.per_label[1].precision == Approx(0.5));
    CHECK(m.per_label[1].f1 == Approx(0.5));
    CHECK(m.per_label[2].recall == Approx(1.0));
    CHECK(m.per_label[2].f1 == Approx(2.0 / 3));
    CHECK(m.macro_labels == 3);
    CHECK(m.macro_f1 == Approx((0.8 + 0.5 + 2.0 / 3) / 3));
}

TEST_CASE("eval metrics: macro-F1 averages only the labels in the gold data", "[eval]") {
    // Label 2 never occurs in the gold data but is predicted once: it is listed (f1 0) but not averaged.
    const std::vector<int> gold{0, 0, 1, 1}, predicted{0, 2, 1, 1};
    const auto m = classification_metrics(gold, predicted, 4);
    CHECK(m.macro_labels == 2);
    // label 0: p 1, r 1/2, f1 2/3; label 1: f1 1.
    CHECK(m.macro_f1 == Approx((2.0 / 3 + 1.0) / 2));
    CHECK(m.per_label[2].predicted == 1);
    CHECK(m.per_label[2].f1 == 0.0);
    CHECK(m.per_label[3].support == 0);
    CHECK(m.per_label[3].precision == 0.0);  // 0/0 is 0, never NaN
}

TEST_CASE("eval metrics: all wrong and all right", "[eval]") {
    const std::vector<int> gold{1, 1, 0}, wrong{0, 0, 1};
    const auto bad = classification_metrics(gold, wrong, 2);
    CHECK(bad.accuracy == 0.0);
    CHECK(bad.macro_f1 == 0.0);
    const auto good = classification_metrics(gold, gold, 2);
    CHECK(good.accuracy == 1.0);
    CHECK(good.macro_f1 == 1.0);
    CHECK_THROWS(classification_metrics(gold, std::vector<int>{0, 1}, 2));
    CHECK_THROWS(classification_metrics(gold, std::vector<int>{0, 1, 2}, 2));
}

TEST_CASE("eval metrics: argmax takes the first of equal logits", "[eval]") {
    const std::vector<float> logits{0.1f, 0.9f, 0.2f, /**/ 3.0f, 3.0f, -1.0f};
    CHECK(argmax_rows(logits, 3) == std::vector<int>{1, 0});
}

TEST_CASE("eval metrics: agreement and logit differences", "[eval]") {
    const std::vector<float> a{1.0f, 2.0f, /**/ 3.0f, 0.0f, /**/ -1.0f, 1.0f};
    const std::vector<float> b{1.5f, 2.0f, /**/ 0.0f, 0.5f, /**/ -1.0f, 1.25f};
    const auto r = compare_logits(a, b, 2);
    CHECK(r.examples == 3);
    CHECK(r.same == 2);  // rows 0 and 2 agree (label 1), row 1 does not (0 vs 1)
    CHECK(r.agreement == Approx(2.0 / 3));
    CHECK(r.max_abs_diff == Approx(3.0));
    CHECK(r.max_diff_example == 1);
    CHECK(r.mean_abs_diff == Approx((0.5 + 0 + 3.0 + 0.5 + 0 + 0.25) / 6));

    const auto self = compare_logits(a, a, 2);
    CHECK(self.agreement == 1.0);
    CHECK(self.max_abs_diff == 0.0);
    CHECK(self.mean_abs_diff == 0.0);

    std::vector<float> nan = a;
    nan[3] = std::numeric_limits<float>::quiet_NaN();
    CHECK(std::isnan(compare_logits(a, nan, 2).max_abs_diff));  // a broken model never looks close
    CHECK_THROWS(compare_logits(a, std::vector<float>{1, 2}, 2));
}

TEST_CASE("eval reader: CSV quoting, CRLF, blank lines and BOM", "[eval]") {
    const std::string csv = "\xEF\xBB\xBFtext,label\r\n\"a, \"\"quoted\"\"\ntext\",pos\r\n\r\nplain \"x\" text,neg\n,neg";
    const auto rows = split_rows(csv, ',', true, "f.csv");
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].fields == std::vector<std::string>{"text", "label"});
    CHECK(rows[1].fields == std::vector<std::string>{"a, \"quoted\"\ntext", "pos"});
    CHECK(rows[1].line == 2);
    CHECK(rows[2].fields == std::vector<std::string>{"plain \"x\" text", "neg"});
    CHECK(rows[2].line == 5);
    CHECK(rows[3].fields == std::vector<std::string>{"", "neg"});
    CHECK_THROWS_WITH(split_rows("text,label\n\"open,neg\n", ',', true, "f.csv"), Contains("f.csv:2: unterminated"));
    CHECK_THROWS_WITH(split_rows("text,label\n\"a\"b,neg\n", ',', true, "f.csv"), Contains("f.csv:2:"));

    // TSV keeps quotes as ordinary characters, as GLUE files need.
    const auto tsv = split_rows("sentence\tlabel\n\"it 's\" good \t1\n", '\t', false, "f.tsv");
    CHECK(tsv[1].fields == std::vector<std::string>{"\"it 's\" good ", "1"});
}

TEST_CASE("eval reader: headers, default and named columns", "[eval]") {
    const auto emotion = read_labelled_set("text;label_name\ni feel good;joy\ni feel bad;sadness\n", "e.txt",
                                           SetFormat::semicolon, {});
    REQUIRE(emotion.examples.size() == 2);
    CHECK(emotion.examples[0].record.text == "i feel good");
    CHECK(emotion.examples[1].label == "sadness");
    CHECK(emotion.examples[1].line == 3);

    const auto rte = read_labelled_set("sentence1\tsentence2\tlabel\tidx\nA man eats.\tSomeone eats.\t0\t0\n", "rte.tsv",
                                       SetFormat::tsv, {.pair = "sentence2"});
    CHECK(rte.examples[0].record.text == "A man eats.");
    CHECK(rte.examples[0].record.pair == "Someone eats.");
    CHECK(rte.examples[0].record.has_pair);
    CHECK(rte.examples[0].label == "0");

    const auto news = read_labelled_set("Stocks fall\tBusiness\nTeam wins\tSports\n", "ag.tsv", SetFormat::tsv,
                                        {.text = "0", .label = "1", .header = false});
    REQUIRE(news.examples.size() == 2);
    CHECK(news.examples[0].label == "Business");
    CHECK(news.examples[1].line == 2);

    CHECK_THROWS_WITH(read_labelled_set("text\tlabel\nx\t1\n", "f.tsv", SetFormat::tsv, {.label = "gold"}),
                      Contains("no column 'gold'"));
    CHECK_THROWS_AS(read_labelled_set("x\t1\n", "f.tsv", SetFormat::tsv, {.text = "text", .header = false}), UsageError);
}

TEST_CASE("eval reader: JSONL fields and label types", "[eval]") {
    const auto set = read_labelled_set("{\"text\": \"a\", \"label\": \"joy\"}\n\n{\"text\": \"b\", \"label\": 3}\n", "s.jsonl",
                                       SetFormat::jsonl, {});
    REQUIRE(set.examples.size() == 2);
    CHECK(set.examples[0].label == "joy");
    CHECK(set.examples[1].label == "3");
    CHECK(set.examples[1].line == 3);
    CHECK_THROWS_WITH(read_labelled_set("{\"text\": \"a\"}\n", "s.jsonl", SetFormat::jsonl, {}),
                      Contains("s.jsonl:1: missing field 'label'"));
    CHECK_THROWS_WITH(read_labelled_set("{\"text\": \"a\", \"label\": 1.5}\n", "s.jsonl", SetFormat::jsonl, {}),
                      Contains("s.jsonl:1:"));
    CHECK_THROWS_WITH(read_labelled_set("{\"text\": \"a\", \"label\": 1}\n{\"text\": \n", "s.jsonl", SetFormat::jsonl, {}),
                      Contains("s.jsonl:2: invalid JSON"));
}

TEST_CASE("eval reader: malformed lines name file and line", "[eval]") {
    CHECK_THROWS_WITH(read_labelled_set("text;label\na;joy\nb;joy;extra\n", "e.txt", SetFormat::semicolon, {}),
                      Contains("e.txt:3: 3 fields"));
    CHECK_THROWS_WITH(read_labelled_set("text;label\na;\n", "e.txt", SetFormat::semicolon, {}), Contains("e.txt:2: empty label"));
    CHECK_THROWS_WITH(read_labelled_set("text;label\nok;joy\nbad \xff;joy\n", "e.txt", SetFormat::semicolon, {}),
                      Contains("e.txt:3: invalid UTF-8"));
    CHECK_THROWS_WITH(read_labelled_set("text;label\n", "e.txt", SetFormat::semicolon, {}), Contains("no examples"));
    CHECK_THROWS_WITH(read_labelled_set("", "e.txt", SetFormat::semicolon, {}), Contains("no examples"));
}

TEST_CASE("eval reader: format detection", "[eval]") {
    CHECK(detect_set_format("a.tsv", "x,y") == SetFormat::tsv);
    CHECK(detect_set_format("a.CSV", "") == SetFormat::csv);
    CHECK(detect_set_format("a.jsonl", "") == SetFormat::jsonl);
    CHECK(detect_set_format("test.txt", "text;label_name\n") == SetFormat::semicolon);
    CHECK(detect_set_format("-", "\n{\"text\": \"a;b\"}\n") == SetFormat::jsonl);
    CHECK(detect_set_format("data", "a\tb\n") == SetFormat::tsv);
    CHECK(detect_set_format("data", "a,b\n") == SetFormat::csv);
    CHECK_THROWS_AS(detect_set_format("data", "just text\n"), InputError);
    CHECK_THROWS_AS(parse_set_format("xml"), UsageError);
}

TEST_CASE("eval gold labels: names first, then integers as class indices", "[eval]") {
    const std::vector<std::string> placeholders{"LABEL_0", "LABEL_1"};
    const auto set = read_labelled_set("sentence\tlabel\na\t1\nb\tlabel_0\nc\t0\n", "s.tsv", SetFormat::tsv, {});
    CHECK(resolve_gold_labels(set, placeholders) == std::vector<int>{1, 0, 0});

    // A label that is itself a name wins over its reading as an index.
    const auto named = read_labelled_set("text\tlabel\na\t1\n", "s.tsv", SetFormat::tsv, {});
    CHECK(resolve_gold_labels(named, {"0", "x", "1"}) == std::vector<int>{2});

    const auto bad = read_labelled_set("text\tlabel\na\t1\nb\tneutral\n", "s.tsv", SetFormat::tsv, {});
    CHECK_THROWS_WITH(resolve_gold_labels(bad, placeholders), Contains("s.tsv:3: gold label 'neutral'"));
    const auto out_of_range = read_labelled_set("text\tlabel\na\t2\n", "s.tsv", SetFormat::tsv, {});
    CHECK_THROWS_AS(resolve_gold_labels(out_of_range, placeholders), InputError);
}

TEST_CASE("eval gold labels: integers on named labels need --label-map or --gold-is-index", "[eval]") {
    const std::vector<std::string> labels{"negative", "Positive"};
    const auto set = read_labelled_set("sentence\tlabel\na\tPOSITIVE\nb\t0\nc\t1\n", "s.tsv", SetFormat::tsv, {});
    // Names match ignoring case; the first integer is refused, naming its line and value.
    CHECK_THROWS_WITH(resolve_gold_labels(set, labels),
                      Contains("s.tsv:3: gold label '0' is a number") && Contains("--label-map") && Contains("--gold-is-index"));
    CHECK(resolve_gold_labels(set, labels, {.gold_is_index = true}) == std::vector<int>{1, 0, 1});
    // The map says 0 is positive: the opposite of the index reading.
    CHECK(resolve_gold_labels(set, labels, {.label_map = parse_label_map("0=positive, 1=NEGATIVE")}) == std::vector<int>{1, 1, 0});
    // A partial map still refuses the integers it leaves out.
    CHECK_THROWS_WITH(resolve_gold_labels(set, labels, {.label_map = parse_label_map("0=negative")}),
                      Contains("s.tsv:4: gold label '1' is a number"));
    CHECK_THROWS_WITH(resolve_gold_labels(set, labels, {.label_map = parse_label_map("0=neutral")}),
                      Contains("--label-map 0=neutral") && Contains("negative, Positive"));
    CHECK(parse_label_map("") == std::vector<std::pair<std::string, std::string>>{});
    for (const char* bad : {"0", "0=", "=negative", "0=negative,,1=positive"})
        CHECK_THROWS_AS(parse_label_map(bad), UsageError);
}
