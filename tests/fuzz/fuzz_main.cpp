// libFuzzer entry point for one target of fuzz_targets.h, chosen at compile time with
// -DBERTCLS_FUZZ_TARGET=<function> (see the BERTCLS_FUZZ block of CMakeLists.txt).
#include <omp.h>

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    omp_set_num_threads(1);  // one core per fuzzer; the parallel loops still run their code
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    return bertcls::fuzz::BERTCLS_FUZZ_TARGET(data, size);
}
