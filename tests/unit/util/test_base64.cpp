// util/base64 against RFC 4648's test vectors (section 10).
#include <catch2/catch.hpp>

#include "util/base64.h"

using namespace bertcls;

TEST_CASE("base64 encodes and decodes per RFC 4648", "[util]") {
    const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},   {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}, {std::string("\xff\x00\x80", 3), "/wCA"}};
    for (const auto& [bytes, text] : vectors) {
        INFO(text);
        CHECK(base64_encode(bytes) == text);
        CHECK(base64_decode(text) == bytes);
    }
    CHECK(base64_decode("Zm9v\nYmFy") == "foobar");  // line breaks are skipped
    CHECK(base64_decode("Zm9v YmFy") == std::nullopt);
    CHECK(base64_decode("Zm9v*") == std::nullopt);
}
