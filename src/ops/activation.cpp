#include "ops/activation.h"

namespace bertcls {

const char* activation_name(Activation activation) {
    switch (activation) {
        case Activation::gelu_erf: return "gelu";
        case Activation::gelu_tanh: return "gelu_new";
        case Activation::relu: return "relu";
        case Activation::tanh: return "tanh";
    }
    return "?";
}

}  // namespace bertcls
