#pragma once
// Commands that read -i and write -o would empty their input before reading it when both name
// the same file, also through a hard or symbolic link.
#include <string>

namespace bertcls {

// Throws UsageError when `output` is the same file as `input` ("-": stdin / stdout). Call it
// before opening either.
void refuse_output_over_input(const std::string& input, const std::string& output);

}  // namespace bertcls
