#include "pipeline/zero_shot.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/utf8_check.h"

namespace bertcls::pipeline {

namespace {

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

// label2id as (name, id) in the order the model's config.json had them.
std::vector<std::pair<std::string, int64_t>> label2id(const ModelConfig& config) {
    std::vector<std::pair<std::string, int64_t>> out;
    if (config.json && config.json->contains("label2id")) {
        const auto& field = (*config.json)["label2id"];
        const auto bad = [] { throw InputError("config field 'label2id' must be a list of [name, id] pairs"); };
        if (!field.is_array()) bad();
        for (const auto& entry : field) {
            if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number_integer()) bad();
            const int64_t id = entry[1].get<int64_t>();
            if (id < 0 || id >= static_cast<int64_t>(config.labels.size()))
                throw InputError("config field 'label2id' maps '" + entry[0].get<std::string>() + "' to " + std::to_string(id) +
                                 ", outside the model's " + std::to_string(config.labels.size()) + " labels");
            out.emplace_back(entry[0].get<std::string>(), id);
        }
        return out;
    }
    for (std::size_t i = 0; i < config.labels.size(); ++i) out.emplace_back(config.labels[i], static_cast<int64_t>(i));
    return out;
}

std::string label_list(const ModelConfig& config) {
    std::string out;
    for (const auto& l : config.labels) out += (out.empty() ? "" : ", ") + l;
    return out;
}

}  // namespace

NliLabelIds nli_label_ids(const ModelConfig& config) {
    if (config.labels.size() < 2)
        throw InputError("zero-shot needs an NLI model (labels such as entailment, neutral, contradiction); this model has " +
                         std::to_string(config.labels.size()) + " label (" + label_list(config) + ")");
    for (const auto& [name, id] : label2id(config))
        if (starts_with_ignoring_case(name, "entail")) {
            NliLabelIds ids;
            ids.entailment = static_cast<std::size_t>(id);
            // transformers: contradiction_id = -1 if entailment_id == 0 else 0
            ids.contradiction = ids.entailment == 0 ? config.labels.size() - 1 : 0;
            return ids;
        }
    throw InputError("zero-shot needs an NLI model with an entailment label (a label starting with \"entail\"); this model's labels are " +
                     label_list(config));
}

std::string format_hypothesis(std::string_view tmpl, std::string_view label) {
    std::string out;
    bool placeholder = false;
    const auto bad = [&](const std::string& why) {
        throw UsageError("--template '" + std::string(tmpl) + "' " + why);
    };
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        const char c = tmpl[i];
        if (c == '{') {
            if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
                out += '{';
                ++i;
            } else if (tmpl.substr(i, 2) == "{}") {
                out += label;
                placeholder = true;
                ++i;
            } else if (tmpl.substr(i, 3) == "{0}") {
                out += label;
                placeholder = true;
                i += 2;
            } else {
                bad("has a brace field other than {} (write {{ and }} for literal braces)");
            }
        } else if (c == '}') {
            if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
                out += '}';
                ++i;
            } else {
                bad("has a single '}' (write }} for a literal brace)");
            }
        } else {
            out += c;
        }
    }
    if (!placeholder) bad("has no {} where the label goes");
    return out;
}

std::vector<std::string> split_labels(std::string_view list) {
    std::vector<std::string> out;
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        const std::string_view item = trim(list.substr(start, end - start));
        if (!item.empty()) out.emplace_back(item);
        start = end + 1;
    }
    return out;
}

std::vector<std::string> labels_from_file(std::string_view content, const std::string& file) {
    if (const auto bad = find_invalid_utf8(content))
        throw InputError(file + ": invalid UTF-8 at byte " + std::to_string(*bad));
    std::vector<std::string> out;
    for (std::size_t start = 0; start < content.size();) {
        std::size_t end = content.find('\n', start);
        if (end == std::string_view::npos) end = content.size();
        const std::string_view item = trim(content.substr(start, end - start));
        if (!item.empty()) out.emplace_back(item);
        start = end + 1;
    }
    if (out.empty()) throw InputError(file + ": no labels (one label a line)");
    return out;
}

void check_labels(const std::vector<std::string>& labels, const std::string& option) {
    if (labels.empty()) throw UsageError(option + ": no labels given");
    std::set<std::string> seen;
    for (const auto& l : labels)
        if (!seen.insert(l).second) throw UsageError(option + ": label '" + l + "' is given twice");
}

ZeroShotClassifier::ZeroShotClassifier(TextClassifier& classifier, ZeroShotOptions options)
    : classifier_(classifier), options_(std::move(options)), ids_(nli_label_ids(classifier.config())) {
    check_labels(options_.labels, "--labels");
    for (const auto& label : options_.labels) {
        if (find_invalid_utf8(label)) throw UsageError("--labels: a label is not valid UTF-8");
        hypotheses_.push_back(format_hypothesis(options_.hypothesis_template, label));
    }
    if (!classifier_.model_file().has_tokenizer())
        throw InputError("zero-shot needs the model's tokenizer, and " + classifier_.model_file().path().string() + " has none");
    // Each hypothesis with its special tokens around an empty text: what a window must leave room for.
    std::vector<TextInput> frames;
    for (const auto& h : hypotheses_) frames.push_back({.text = "", .pair = h, .truncation = Truncation::only_first});
    const std::vector<EncodedText> encoded = classifier_.encode(frames, LongTextStrategy::truncate);
    std::size_t longest = 0;
    for (std::size_t l = 0; l < encoded.size(); ++l) {
        const std::size_t tokens = encoded[l].document.tokens;
        if (!encoded[l].error.empty() || tokens >= classifier_.max_length())
            throw UsageError("the hypothesis for label '" + options_.labels[l] + "' (\"" + hypotheses_[l] + "\") has " +
                             std::to_string(tokens) + " tokens with the special tokens, leaving no room for the text within " +
                             std::to_string(classifier_.max_length()));
        longest = std::max(longest, tokens);
    }
    window_text_tokens_ = classifier_.max_length() - longest;
}

std::vector<ZeroShotResult> ZeroShotClassifier::classify(std::span<const std::string_view> texts, LongTextStrategy strategy) {
    const std::size_t n_labels = hypotheses_.size(), n_classes = classifier_.config().labels.size();
    std::vector<TextInput> inputs;
    inputs.reserve(texts.size() * n_labels);
    for (const std::string_view text : texts)
        for (const auto& h : hypotheses_)
            inputs.push_back({.text = text,
                              .pair = h,
                              .truncation = Truncation::only_first,
                              .window_text_tokens = strategy == LongTextStrategy::chunk ? window_text_tokens_ : 0});
    const std::vector<EncodedText> encoded = classifier_.encode(inputs, strategy);

    std::vector<ZeroShotResult> results(texts.size());
    // A text runs only when all its pairs do, with the same number of windows.
    std::vector<EncodedText> runnable;
    runnable.reserve(encoded.size());
    std::vector<bool> runs(texts.size(), false);
    for (std::size_t t = 0; t < texts.size(); ++t) {
        ZeroShotResult& r = results[t];
        const auto pairs = std::span(encoded).subspan(t * n_labels, n_labels);
        for (const auto& e : pairs) {
            if (!e.error.empty() && r.error.empty()) r.error = e.error;
            r.empty = r.empty || e.empty;
        }
        if (r.error.empty() && !r.empty) {
            r.windows = pairs[0].document.chunks.size();
            for (const auto& e : pairs)
                if (e.document.chunks.size() != r.windows) r.error = "internal: labels got different windows";
        }
        if (!r.error.empty() || r.empty) continue;
        runs[t] = true;
        for (const auto& e : pairs) {
            r.tokens = std::max(r.tokens, e.document.tokens);
            r.truncated = r.truncated || e.document.truncated;
            if (e.document.applied == LongTextStrategy::chunk) r.applied = LongTextStrategy::chunk;
        }
    }
    for (std::size_t t = 0; t < texts.size(); ++t)
        if (runs[t])
            for (std::size_t l = 0; l < n_labels; ++l) runnable.push_back(encoded[t * n_labels + l]);
    const std::vector<float> logits = classifier_.logits(runnable);

    std::size_t row = 0;  // first logits row of the current text
    for (std::size_t t = 0; t < texts.size(); ++t) {
        if (!runs[t]) continue;
        ZeroShotResult& r = results[t];
        const std::size_t windows = r.windows;
        // logits row of (label l, window w): the pairs of a text are consecutive, each with its windows.
        const auto at = [&](std::size_t l, std::size_t w, std::size_t k) {
            return static_cast<double>(logits[(row + l * windows + w) * n_classes + k]);
        };
        std::vector<double> scores(n_labels, 0.0);
        for (std::size_t w = 0; w < windows; ++w) {
            if (options_.multi_label || n_labels == 1) {
                for (std::size_t l = 0; l < n_labels; ++l) {
                    const double c = at(l, w, ids_.contradiction), e = at(l, w, ids_.entailment);
                    const double m = std::max(c, e);
                    scores[l] += std::exp(e - m) / (std::exp(c - m) + std::exp(e - m));
                }
            } else {
                double m = -INFINITY;
                for (std::size_t l = 0; l < n_labels; ++l) m = std::max(m, at(l, w, ids_.entailment));
                double sum = 0;
                std::vector<double> ex(n_labels);
                for (std::size_t l = 0; l < n_labels; ++l) sum += ex[l] = std::exp(at(l, w, ids_.entailment) - m);
                for (std::size_t l = 0; l < n_labels; ++l) scores[l] += ex[l] / sum;
            }
        }
        row += n_labels * windows;
        // Best first; equal scores as numpy's reversed argsort leaves them: the later label first.
        std::vector<std::size_t> order(n_labels);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return scores[a] > scores[b] || (scores[a] == scores[b] && a > b);
        });
        for (const std::size_t l : order)
            r.ranked.push_back({options_.labels[l], static_cast<float>(scores[l] / double(windows))});
    }
    return results;
}

}  // namespace bertcls::pipeline
