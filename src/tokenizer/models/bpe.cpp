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

// A power-of-two table size with at most half the slots used.
std::size_t table_size(std::size_t entries) {
    std::size_t size = 16;
    while (size < entries * 2) size <<= 1;
    return size;
}

}  // namespace

Bpe::Bpe(const std::vector<std::pair<std::string, int32_t>>& vocab,
         const std::vector<std::pair<std::string, std::string>>& merges, Options options)
    : options_(std::move(options)), instance_(WordCache::new_owner_id()) {
    token_slots_.assign(table_size(vocab.size()), kEmpty);
    offsets_.push_back(0);
    for (const auto& [token, id] : vocab) {
        a_.offsets = offsets_;
        a_.bytes = bytes_;
        a_.token_slots = token_slots_;
        const std::size_t slot = token_slot(a_, token);
        if (token_slots_[slot] != kEmpty) {  // a repeated token keeps its last id, as HF's map does
            ids_[token_slots_[slot]] = id;
            continue;
        }
        token_slots_[slot] = static_cast<uint32_t>(ids_.size());
        ids_.push_back(id);
        bytes_ += token;
        offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
    }
    a_ = {offsets_, bytes_, ids_, token_slots_, {}};

    const std::size_t prefix_len = options_.continuing_subword_prefix.size();
    merge_slots_.assign(table_size(merges.size()), MergeSlot{});
    const std::size_t mask = merge_slots_.size() - 1;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto ia = find(a), ib = find(b);
        if (!ia) throw InputError("tokenizer: BPE merge token " + a + " is not in the vocabulary");
        if (!ib) throw InputError("tokenizer: BPE merge token " + b + " is not in the vocabulary");
        const std::string merged = a + (b.size() >= prefix_len ? b.substr(prefix_len) : std::string());
        const auto im = find(merged);
        if (!im) throw InputError("tokenizer: BPE merge result " + merged + " is not in the vocabulary");
        // A repeated pair keeps its last rank, as HF's map does.
        const auto left = static_cast<uint32_t>(*ia), right = static_cast<uint32_t>(*ib);
        std::size_t i = merge_hash(left, right) & mask;
        while (merge_slots_[i].left != kEmpty && (merge_slots_[i].left != left || merge_slots_[i].right != right))
            i = (i + 1) & mask;
        merge_slots_[i] = {left, right, static_cast<uint32_t>(rank), *im};
    }
    a_.merge_slots = merge_slots_;
    finish();
}

Bpe::Bpe(const Arrays& arrays, Options options, std::size_t vocab_size)
    : a_(arrays), options_(std::move(options)), instance_(WordCache::new_owner_id()) {
    validate(vocab_size);
    finish();
}

Bpe::~Bpe() = default;

void Bpe::finish() {
    if (options_.unk_token) {
        unk_id_ = find(*options_.unk_token);
        if (!unk_id_) throw InputError("tokenizer: the BPE unk_token " + *options_.unk_token + " is not in the vocabulary");
    }
    if (options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty()) {
        char_ids_.assign(0x200, -1);
        std::string s;
        for (char32_t c = 0; c < 0x200; ++c) {
            s.clear();
            unicode::append_utf8(s, c);
            if (const auto id = find(s)) char_ids_[c] = *id;
        }
    }
}

void Bpe::validate(std::size_t vocab_size) const {
    const auto bad = [](const std::string& why) { throw InputError("BPE tables: " + why); };
    const auto power_of_two = [](std::size_t n) { return n != 0 && (n & (n - 1)) == 0; };
    const auto valid_id = [&](int64_t id) { return id >= 0 && static_cast<uint64_t>(id) < vocab_size; };
    if (a_.offsets.size() != a_.ids.size() + 1 || a_.offsets[0] != 0)
        bad("the token offsets do not match the " + std::to_string(a_.ids.size()) + " ids");
    for (std::size_t k = 0; k < a_.ids.size(); ++k) {
        if (a_.offsets[k + 1] < a_.offsets[k] || a_.offsets[k + 1] > a_.bytes.size())
            bad("token " + std::to_string(k) + " lies outside the token bytes");
        if (!valid_id(a_.ids[k])) bad("token " + std::to_string(k) + " has the id " + std::to_string(a_.ids[k]));
    }
    if (!power_of_two(a_.token_slots.size()) || !power_of_two(a_.merge_slots.size()))
        bad("a hash table's size is not a power of two");
    for (const uint32_t k : a_.token_slots)
        if (k != kEmpty && k >= a_.ids.size()) bad("a token slot names token " + std::to_string(k));
    for (const MergeSlot& m : a_.merge_slots)
        if (m.left != kEmpty && (!valid_id(m.left) || !valid_id(m.right) || !valid_id(m.id) || m.rank >= a_.merge_slots.size()))
            bad("a merge slot holds ids or a rank out of range");
}

uint64_t Bpe::token_hash(std::string_view token) {
    uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a
    for (const char c : token) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001B3ull;
    return h;
}

std::size_t Bpe::token_slot(const Arrays& a, std::string_view token) {
    const std::size_t mask = a.token_slots.size() - 1;
    std::size_t i = token_hash(token) & mask;
    for (std::size_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
        const uint32_t k = a.token_slots[i];
        if (k == kEmpty || a.bytes.substr(a.offsets[k], a.offsets[k + 1] - a.offsets[k]) == token) return i;
    }
    return std::string_view::npos;
}

std::optional<int32_t> Bpe::find(std::string_view token) const {
    const std::size_t i = token_slot(a_, token);
    if (i == std::string_view::npos || a_.token_slots[i] == kEmpty) return std::nullopt;
    return a_.ids[a_.token_slots[i]];
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
