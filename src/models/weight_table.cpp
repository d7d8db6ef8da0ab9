#include "models/weight_table.h"

namespace bertcls {

const char* weight_part_name(WeightPart part) {
    switch (part) {
        case WeightPart::embeddings: return "embeddings";
        case WeightPart::encoder_dense: return "encoder dense weights";
        case WeightPart::encoder_dense_scales: return "encoder dense scales";
        case WeightPart::encoder_other: return "encoder biases, norms";
        case WeightPart::head: return "head (pooler, classifier)";
    }
    return "?";
}

WeightPart part_of(const std::vector<WeightSpec>& table, const std::string& tensor_name) {
    const bool scale = tensor_name.ends_with("_scale");
    const std::string weight = scale ? tensor_name.substr(0, tensor_name.size() - 6) : tensor_name;
    for (const WeightSpec& spec : table)
        if (spec.name == weight) return scale && spec.dense() ? WeightPart::encoder_dense_scales : spec.part;
    return WeightPart::encoder_other;
}

}  // namespace bertcls
