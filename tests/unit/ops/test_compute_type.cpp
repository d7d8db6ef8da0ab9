// Compute types: their names parse back (and nothing else parses), and the choice for this CPU
// either keeps what was asked for or falls back to f32 with a reason, never anything else.
#include <string>

#include <catch2/catch.hpp>

#include "ops/compute_type.h"

using namespace bertcls;

TEST_CASE("compute type names round-trip and unknown names are refused", "[ops]") {
    for (const ComputeType type : {ComputeType::f32, ComputeType::bf16, ComputeType::int8})
        CHECK(parse_compute_type(compute_type_name(type)) == type);
    CHECK(std::string(compute_type_name(ComputeType::f32)) == "f32");
    CHECK(std::string(compute_type_name(ComputeType::bf16)) == "bf16");
    CHECK(std::string(compute_type_name(ComputeType::int8)) == "int8");
    for (const char* name : {"", "F32", "fp32", "float32", "bf16 ", "i8", "int4"})
        CHECK_FALSE(parse_compute_type(name).has_value());
}

TEST_CASE("the compute type chosen for this CPU is the one asked for or f32, with a reason", "[ops]") {
    const ComputeChoice f32 = choose_compute_type(ComputeType::f32);
    CHECK(f32.effective == ComputeType::f32);
    CHECK(f32.reason.empty());
    for (const ComputeType requested : {ComputeType::bf16, ComputeType::int8}) {
        const ComputeChoice choice = choose_compute_type(requested);
        INFO(compute_type_name(requested) << " -> " << compute_type_name(choice.effective) << ": " << choice.reason);
        CHECK(choice.requested == requested);
        CHECK((choice.effective == requested || choice.effective == ComputeType::f32));
        CHECK(choice.reason.empty() == (choice.effective == requested));
    }
}
