#pragma once
// The activations the dense layers apply in their epilogue.

namespace bertcls {

enum class Activation { gelu_erf, gelu_tanh, relu, tanh };

// The name transformers' configs use ("gelu", "gelu_new", "relu", "tanh").
const char* activation_name(Activation activation);

}  // namespace bertcls
