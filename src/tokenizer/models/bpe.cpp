// The BPE model, after HF models/bpe/{model,word}.rs.
#include "tokenizer/models/bpe.h"

#include <cstdio>
#include <queue>

#include "tokenizer/unicode.h"
#include "tokenizer/word_cache.h"
#include "util/error.h"

namespace bertcls::tok {

namespace {

struct Symbol {
    int32_t id;
    int32_t prev, next;
    uint32_t len;  // 0: merged away
};

struct Merge {
    uint32_t rank;
    uint32_t pos;
    int32_t id;
    // std::priority_queue pops the largest: the lowest rank, then the lowest position.
    bool operator<(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

inline uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

}  // namespace

Bpe::Bpe(const std::vector<std::pair<std::string, int32_t>>& vocab,
         const std::vector<std::pair<std::string, std::string>>& merges, Options options)
    : options_(std::move(options)), instance_(WordCache::new_owner_id()) {
    vocab_.reserve(vocab.size());
    for (const auto& [token, id] : vocab) vocab_[token] = id;
    if (options_.unk_token) {
        const auto it = vocab_.find(*options_.unk_token);
        if (it == vocab_.end())
            throw InputError("tokenizer: the BPE unk_token " + *options_.unk_token + " is not in the vocabulary");
        unk_id_ = it->second;
    }
    const std::size_t prefix_len = options_.continuing_subword_prefix.size();
    std::size_t capacity = 16;
    unsigned bits = 4;
    while (capacity < merges.size() * 2) capacity <<= 1, ++bits;
    merge_table_.assign(capacity, MergeSlot{});
    merge_shift_ = 64 - bits;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto ia = vocab_.find(a), ib = vocab_.find(b);
        if (ia == vocab_.end()) throw InputError("tokenizer: BPE merge token " + a + " is not in the vocabulary");
        if (ib == vocab_.end()) throw InputError("tokenizer: BPE merge token " + b + " is not in the vocabulary");
        const std::string merged = a + (b.size() >= prefix_len ? b.substr(prefix_len) : std::string());
        const auto im = vocab_.find(merged);
        if (im == vocab_.end()) throw InputError("tokenizer: BPE merge result " + merged + " is not in the vocabulary");
        // A repeated pair keeps its last rank, as HF's map does.
        const uint64_t key = pair_key(ia->second, ib->second);
        std::size_t i = (key * 0x9E3779B97F4A7C15ull) >> merge_shift_;
        while (merge_table_[i].key != UINT64_MAX && merge_table_[i].key != key) i = (i + 1) & (capacity - 1);
        merge_table_[i] = {key, static_cast<uint32_t>(rank), im->second};
    }
    if (options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty()) {
        char_ids_.assign(0x200, -1);
        std::string s;
        for (char32_t c = 0; c < 0x200; ++c) {
            s.clear();
            unicode::append_utf8(s, c);
            if (const auto it = vocab_.find(s); it != vocab_.end()) char_ids_[c] = it->second;
        }
    }
}

Bpe::~Bpe() = default;

std::optional<int32_t> Bpe::find(std::string_view token) const {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

void Bpe::tokenize_word(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    if (options_.ignore_merges) {
        if (const auto id = find(word)) {
            ids.push_back(*id);
            return;
        }
    }
    thread_local WordCache cache;  // the BPE models' cache on this thread
    cache.tokenize(instance_, word, ids,
                   [this](std::string_view w, std::vector<int32_t>& out) { merge_word(w, out); });
}

void Bpe::merge_word(std::string_view word, std::vector<int32_t>& ids) const {
    thread_local std::vector<Symbol> symbols;
    thread_local std::string piece;
    symbols.clear();
    const auto add = [&](int32_t id, std::size_t len) {
        const auto index = static_cast<int32_t>(symbols.size());
        symbols.push_back({id, index - 1, index + 1, static_cast<uint32_t>(len)});
    };
    // A pending run of unknown characters: its id and byte length (unk_len 0: none).
    int32_t unk_id = 0;
    std::size_t unk_len = 0;
    std::size_t i = 0;
    while (i < word.size()) {
        const std::size_t begin = i;
        const char32_t c = unicode::decode(word, i);
        const std::size_t byte_len = i - begin;
        std::optional<int32_t> id;
        std::string_view s = word.substr(begin, byte_len);
        if (!char_ids_.empty()) {
            if (c < char_ids_.size()) {
                if (char_ids_[c] >= 0) id = char_ids_[c];
            } else {
                id = find(s);
            }
        } else {
            piece.clear();
            if (begin > 0) piece.append(options_.continuing_subword_prefix);
            piece.append(s);
            if (i == word.size()) piece.append(options_.end_of_word_suffix);
            s = piece;
            id = find(s);
        }
        if (id) {
            if (unk_len) {
                add(unk_id, unk_len);
                unk_len = 0;
            }
            add(*id, byte_len);
            continue;
        }
        if (options_.byte_fallback) {
            std::vector<int32_t> bytes;
            char name[8];
            for (const char ch : s) {
                std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(ch));
                const auto b = find(name);
                if (!b) break;
                bytes.push_back(*b);
            }
            if (bytes.size() == s.size()) {
                for (const int32_t b : bytes) add(b, 1);
                continue;
            }
        }
        if (unk_id_) {
            if (unk_len && options_.fuse_unk) {
                unk_len += byte_len;
            } else {
                if (unk_len) add(unk_id, unk_len);
                unk_id = *unk_id_;
                unk_len = byte_len;
            }
        }
    }
    if (unk_len) add(unk_id, unk_len);
    if (symbols.empty()) return;
    symbols.back().next = -1;

    if (symbols.size() > 1) {
        thread_local std::vector<Merge> heap_storage;
        heap_storage.clear();
        std::priority_queue<Merge, std::vector<Merge>> queue(std::less<Merge>(), std::move(heap_storage));
        const auto lookup = [&](int32_t a, int32_t b) { return find_merge(a, b); };
        for (std::size_t k = 0; k + 1 < symbols.size(); ++k)
            if (const auto* m = lookup(symbols[k].id, symbols[k + 1].id))
                queue.push({m->rank, static_cast<uint32_t>(k), m->id});
        while (!queue.empty()) {
            const Merge top = queue.top();
            queue.pop();
            Symbol& current = symbols[top.pos];
            if (current.len == 0 || current.next == -1) continue;
            const auto next_pos = static_cast<std::size_t>(current.next);
            const Symbol right = symbols[next_pos];
            const auto* m = lookup(current.id, right.id);
            if (m == nullptr || m->id != top.id) continue;  // stale entry
            current.id = top.id;
            current.len += right.len;
            current.next = right.next;
            symbols[next_pos].len = 0;
            if (right.next >= 0 && static_cast<std::size_t>(right.next) < symbols.size())
                symbols[static_cast<std::size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
            if (current.prev >= 0)
                if (const auto* p = lookup(symbols[static_cast<std::size_t>(current.prev)].id, current.id))
                    queue.push({p->rank, static_cast<uint32_t>(current.prev), p->id});
            if (current.next >= 0)
                if (const auto* n = lookup(current.id, symbols[static_cast<std::size_t>(current.next)].id))
                    queue.push({n->rank, top.pos, n->id});
        }
    }
    for (const Symbol& s : symbols)
        if (s.len != 0) ids.push_back(s.id);
}

}  // namespace bertcls::tok
