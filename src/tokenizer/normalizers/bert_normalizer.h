#pragma once
// BertNormalizer (HF normalizers/bert.rs): clean_text, handle_chinese_chars, strip_accents
// (null follows lowercase), lowercase, in that order. ASCII takes a table-driven fast path;
// runs of other characters go through utf8proc (see unicode.h for the exact character classes).
#include <array>
#include <optional>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class BertNormalizer final : public Normalizer {
public:
    struct Options {
        bool clean_text = true;
        bool handle_chinese_chars = true;
        std::optional<bool> strip_accents;  // nullopt: same as lowercase
        bool lowercase = true;
    };
    explicit BertNormalizer(const Options& options);
    void normalize(std::string_view text, std::string& out) const override;

private:
    void normalize_run(std::string_view run, std::string& out) const;

    bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_;
    static constexpr int16_t kDrop = -1;
    std::array<int16_t, 128> ascii_{};  // output byte or kDrop
};

}  // namespace bertcls::tok
