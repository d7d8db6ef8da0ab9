#pragma once
// A family's weight-name table as data: every tensor a model of that family reads, with its
// expected shape and the part of the model it belongs to. ModelFile checks a file against its
// family's table at load; `bertcls info` groups tensors by part.
#include <cstdint>
#include <string>
#include <vector>

namespace bertcls {

enum class WeightPart { embeddings, encoder_dense, encoder_dense_scales, encoder_other, head };
const char* weight_part_name(WeightPart part);

struct WeightSpec {
    std::string name;
    std::vector<int64_t> shape;
    WeightPart part;
    // A GEMM weight: F32, BF16, or I8 with a `<name>_scale` tensor (ModelFile::dense_weight).
    bool dense() const { return part == WeightPart::encoder_dense; }
};

// The part a stored tensor belongs to (an I8 dense weight's `_scale` tensor: encoder_dense_scales).
WeightPart part_of(const std::vector<WeightSpec>& table, const std::string& tensor_name);

}  // namespace bertcls
