#pragma once
// --resume: where an interrupted run stopped. Output is written in whole lines in input order,
// so the number of complete lines in the output is the number of input lines already done.
#include <cstdint>
#include <string>

namespace bertcls::batch {

struct ResumePoint {
    uint64_t lines = 0;   // complete output lines, = input lines to skip
    uint64_t errors = 0;  // of those, error records
};

// Reads the existing output file, cuts off a partial last line (a write the kill interrupted)
// and says where to continue. A missing file means starting from the beginning. Throws
// InputError when the file cannot be read or truncated.
ResumePoint prepare_resume(const std::string& output_path);

}  // namespace bertcls::batch
