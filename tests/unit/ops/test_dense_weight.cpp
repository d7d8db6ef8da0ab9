// DenseWeight against docs/FORMAT.md: which weights may be stored blocked, where element (n, k)
// of a row-major or blocked weight is, and its rows read back in f32 (exact for F32 and BF16,
// q * scale for I8) and, for I8, as stored.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "ops/dense_weight.h"
#include "weight_test_support.h"

using namespace bertcls;

TEST_CASE("a weight is stored blocked only when its sizes divide the blocks", "[ops]") {
    CHECK(blocked_pack(DType::F32) == 1);
    CHECK(blocked_pack(DType::BF16) == 2);
    CHECK(blocked_pack(DType::I8) == 4);
    CHECK(can_store_blocked(DType::F32, 64, 16));
    CHECK_FALSE(can_store_blocked(DType::F32, 64, 8));
    CHECK_FALSE(can_store_blocked(DType::F32, 96, 16));
    CHECK(can_store_blocked(DType::BF16, 128, 32));
    CHECK_FALSE(can_store_blocked(DType::BF16, 128, 16));
    CHECK(can_store_blocked(DType::I8, 64, 64));
    CHECK_FALSE(can_store_blocked(DType::I8, 64, 32));
    CHECK_FALSE(can_store_blocked(DType::F32, 0, 0));
}

TEST_CASE("a dense weight's elements and rows read back as stored", "[ops]") {
    std::mt19937 rng(61);
    for (const DType dtype : {DType::F32, DType::BF16, DType::I8})
        for (const bool blocked : {false, true}) {
            // Blocked: two blocks of outputs, two of inputs.
            const int64_t out = blocked ? 128 : 70, in = blocked ? 128 : 37;
            const test::SourceWeight source = test::make_source(dtype, blocked, out, in, rng);
            const DenseWeight weight = source.weight();
            INFO(dtype_name(dtype) << (blocked ? " blocked" : " row-major"));
            REQUIRE(weight.out() == out);
            REQUIRE(weight.in() == in);
            const int64_t pack = blocked_pack(dtype);
            std::vector<float> row(static_cast<std::size_t>(in));
            std::vector<int8_t> q_row(static_cast<std::size_t>(in));
            int64_t wrong = 0;
            for (int64_t n = 0; n < out; ++n) {
                weight.row_as_f32(n, row.data());
                if (dtype == DType::I8) weight.row_as_s8(n, q_row.data());
                for (int64_t k = 0; k < in; ++k) {
                    wrong += weight.offset(n, k) != (blocked ? test::blocked_index(n, k, in, pack) : n * in + k);
                    wrong += row[k] != source.logical[n * in + k];
                    if (dtype == DType::I8) wrong += q_row[k] != source.q[n * in + k];
                }
            }
            CHECK(wrong == 0);
        }
}
