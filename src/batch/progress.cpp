#include "batch/progress.h"

#include <cstdio>

namespace bertcls::batch {

namespace {

constexpr double kRedrawMs = 250;

void format_duration(char* out, std::size_t size, double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s >= 3600) std::snprintf(out, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(out, size, "%lld:%02lld", s / 60, s % 60);
}

}  // namespace

Progress::Progress(bool live, bool summary, std::optional<uint64_t> input_bytes)
    : live_(live), summary_(summary), input_bytes_(input_bytes) {}

void Progress::update(const Counts& c) {
    if (!live_) return;
    const double now = clock_.elapsed_ms();
    if (now - last_draw_ms_ < kRedrawMs) return;
    last_draw_ms_ = now;
    const double seconds = now / 1000;
    char eta[48] = "";
    if (input_bytes_ && *input_bytes_ > 0 && c.input_bytes > 0 && seconds > 0) {
        const double remaining = double(*input_bytes_ > c.input_bytes ? *input_bytes_ - c.input_bytes : 0);
        char left[24];
        format_duration(left, sizeof left, remaining / (c.input_bytes / seconds));
        std::snprintf(eta, sizeof eta, ", %.0f%%, ETA %s", 100.0 * c.input_bytes / *input_bytes_, left);
    }
    std::fprintf(stderr, "\r\033[K%llu records (%.0f/s), %llu errors%s", (unsigned long long)c.records,
                 seconds > 0 ? c.records / seconds : 0.0, (unsigned long long)c.errors, eta);
    std::fflush(stderr);
}

void Progress::finish(const Counts& c, uint64_t resumed, uint64_t earlier_errors) {
    if (live_) std::fprintf(stderr, "\r\033[K");
    if (!summary_) return;
    const double seconds = clock_.elapsed_ms() / 1000;
    char wall[24];
    format_duration(wall, sizeof wall, seconds);
    std::fprintf(stderr, "%llu records, %llu errors, %llu tokens in %.2f s (%s, %.0f records/s)",
                 (unsigned long long)c.records, (unsigned long long)c.errors, (unsigned long long)c.tokens, seconds,
                 wall, seconds > 0 ? c.records / seconds : 0.0);
    if (resumed > 0)
        std::fprintf(stderr, "; resumed after %llu lines (%llu errors)", (unsigned long long)resumed,
                     (unsigned long long)earlier_errors);
    std::fprintf(stderr, "\n");
}

}  // namespace bertcls::batch
