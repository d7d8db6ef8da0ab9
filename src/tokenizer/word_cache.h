#pragma once
// The per-thread word cache that BPE and Unigram share: HF's models memoise word -> ids the same
// way (10000 entries, words under 256 bytes), and repeated words dominate ordinary text.
//
// Each model kind keeps its own `thread_local WordCache` (so alternating a BPE and a Unigram
// model on one thread does not evict either); a cache serves one model instance at a time and
// is emptied when its thread moves on to another, so no model ever sees another's ids.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bertcls::tok {

class WordCache {
public:
    static constexpr std::size_t kCapacity = 10000;  // HF's default; full means no more insertions
    static constexpr std::size_t kMaxWordBytes = 256;  // HF caches only words shorter than this

    // A process-wide unique id for a model instance (never 0, the id of an unused cache).
    static uint64_t new_owner_id() {
        static std::atomic<uint64_t> next{1};
        return next.fetch_add(1);
    }

    // Appends the ids of `word` to `ids`: from the cache when present, else from
    // tokenize_uncached(word, ids), whose result is then remembered for `owner`.
    template <class TokenizeUncached>
    void tokenize(uint64_t owner, std::string_view word, std::vector<int32_t>& ids,
                  TokenizeUncached&& tokenize_uncached) {
        if (word.size() >= kMaxWordBytes) {
            tokenize_uncached(word, ids);
            return;
        }
        if (owner_ != owner) {
            map_.clear();
            owner_ = owner;
        }
        if (const auto it = map_.find(word); it != map_.end()) {
            ids.insert(ids.end(), it->second.begin(), it->second.end());
            return;
        }
        const std::size_t start = ids.size();
        tokenize_uncached(word, ids);
        if (map_.size() < kCapacity)
            map_.emplace(std::string(word), std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.end()));
    }

private:
    struct TransparentHash {  // lets find() take a string_view without building a std::string
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    uint64_t owner_ = 0;
    std::unordered_map<std::string, std::vector<int32_t>, TransparentHash, std::equal_to<>> map_;
};

}  // namespace bertcls::tok
