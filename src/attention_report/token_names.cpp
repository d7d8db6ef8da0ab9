#include "attention_report/token_names.h"

namespace bertcls::attention_report {

std::vector<std::string> token_names(std::span<const int32_t> ids, const Tokenizer* tokenizer) {
    std::vector<std::string> names;
    names.reserve(ids.size());
    for (const int32_t id : ids) {
        const auto token = tokenizer ? tokenizer->id_to_token(id) : std::nullopt;
        names.push_back(token ? std::string(*token) : std::to_string(id));
    }
    return names;
}

}  // namespace bertcls::attention_report
