// The registry of model families: one line per family file.
#include <nlohmann/json.hpp>

#include "models/family.h"
#include "util/error.h"

namespace bertcls {

const Family& bert_family();
const Family& deberta_v2_family();
const Family& modernbert_family();

namespace {

const Family* const kFamilies[] = {
    &bert_family(),
    &deberta_v2_family(),
    &modernbert_family(),
};

}  // namespace

const Family& family_of(const ModelConfig& config) {
    std::string supported;
    for (const Family* family : kFamilies)
        for (const auto& name : family->names) {
            if (name == config.family) return *family;
            supported += (supported.empty() ? "" : ", ") + name;
        }
    throw InputError("config field 'family' has unsupported value '" + config.family + "' (supported: " + supported + ")");
}

}  // namespace bertcls
