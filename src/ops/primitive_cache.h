#pragma once
// A layer's oneDNN primitives, one per shape key, built on first use. Several threads may run
// the same layer at once (SequenceClassifier::forward_batches), so lookups take a lock; it is
// held only to find or insert, never while a primitive runs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace bertcls {

template <typename Primitive>
class PrimitiveCache {
public:
    struct Entry {
        Primitive primitive;
        std::size_t scratchpad_bytes = 0;  // what it needs in the calling thread's scratchpad
    };

    // `make` builds the entry when `key` is new; it runs under the lock (builds are rare).
    template <typename Make>
    Entry get(int64_t key, Make&& make) {
        const std::lock_guard lock(*mutex_);
        auto it = entries_.find(key);
        if (it == entries_.end()) it = entries_.emplace(key, make()).first;
        return it->second;
    }

    void clear() {
        const std::lock_guard lock(*mutex_);
        entries_.clear();
    }

private:
    std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();  // keeps the owner movable
    std::unordered_map<int64_t, Entry> entries_;
};

}  // namespace bertcls
