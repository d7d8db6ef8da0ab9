// <immintrin.h> without GCC 12's false uninitialized warnings. Its AVX-512 intrinsics build
// their "don't care" operands as `__m512 __Y = __Y;` (_mm512_undefined_ps and kin), which
// -Wmaybe-uninitialized and -Wuninitialized flag wherever such an intrinsic is inlined into our
// code (GCC bug 105593, fixed in GCC 13). The warning is located in the header, so ignoring it
// around this one include silences exactly those and leaves our own code checked.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
