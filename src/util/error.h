#pragma once
// Error kinds map onto the CLI's exit codes, so every layer throws one of these and only
// src/cli decides how to report it.
#include <stdexcept>
#include <string>

namespace bertcls {

// Bad command-line usage: exit code 1.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Bad input data or a bad model file: exit code 2. The message is one line and names the
// file, line or field at fault.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace bertcls
