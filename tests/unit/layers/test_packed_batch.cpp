// Packed batches: sequences end to end with their bounds, token types defaulting to 0, each
// sequence's first row gathered; and the padded row counts the dense layers run on (every count
// up to 64 as it is, larger ones rounded up by less than 1/32 of themselves, to few distinct
// values).
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/packed_batch.h"

using namespace bertcls;

TEST_CASE("a packed batch holds its sequences end to end", "[layers]") {
    const std::vector<int32_t> a{5, 6, 7}, b{9}, c{1, 2, 3, 4, 5}, c_types{0, 0, 1, 1, 1};
    PackedBatch batch;
    batch.add({a, {}});
    batch.add({b, {}});
    batch.add({c, c_types});
    CHECK(batch.offsets == std::vector<int64_t>{0, 3, 4, 9});
    CHECK(batch.tokens() == 9);
    CHECK(batch.sequences() == 3);
    CHECK(batch.length(2) == 5);
    CHECK(batch.max_length() == 5);
    CHECK(batch.input_ids == std::vector<int32_t>{5, 6, 7, 9, 1, 2, 3, 4, 5});
    CHECK(batch.token_type_ids == std::vector<int32_t>{0, 0, 0, 0, 0, 0, 1, 1, 1});

    const int64_t width = 2;
    std::vector<float> rows;
    for (int64_t t = 0; t < batch.tokens(); ++t) rows.insert(rows.end(), {float(t), float(100 + t)});
    std::vector<float> first(static_cast<std::size_t>(batch.sequences() * width));
    batch.gather_first_rows(rows.data(), width, first.data());
    CHECK(first == std::vector<float>{0, 100, 3, 103, 4, 104});

    batch.clear();
    CHECK(batch.sequences() == 0);
    CHECK(batch.tokens() == 0);
    CHECK(batch.input_ids.empty());
    CHECK(batch.token_type_ids.empty());

    batch.add({a, {}});
    const std::vector<SequenceInput> next{{b, {}}, {c, c_types}};
    batch.assign(next);  // replaces what the batch held
    CHECK(batch.offsets == std::vector<int64_t>{0, 1, 6});
    CHECK(batch.input_ids == std::vector<int32_t>{9, 1, 2, 3, 4, 5});
    CHECK(batch.token_type_ids == std::vector<int32_t>{0, 0, 0, 1, 1, 1});
}

TEST_CASE("padded row counts stay close to the real ones and take few values", "[layers]") {
    for (int64_t rows = 0; rows <= 64; ++rows) CHECK(padded_rows(rows) == rows);
    std::set<int64_t> distinct;
    int64_t previous = 0, wrong = 0;
    for (int64_t rows = 65; rows <= 20000; ++rows) {
        const int64_t padded = padded_rows(rows);
        wrong += padded < rows || (padded - rows) * 32 >= rows || padded < previous;
        previous = padded;
        distinct.insert(padded);
    }
    CHECK(wrong == 0);
    CHECK(distinct.size() <= 32 * 9);  // at most 32 values per doubling of the row count
    CHECK(padded_rows(65) == 66);
    CHECK(padded_rows(1000) == 1008);
}
