#include "tokenizer/models/wordpiece.h"

#include <algorithm>
#include <string_view>

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

WordPiece::WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const std::string& unk_token,
                     std::string continuing_subword_prefix, std::size_t max_input_chars_per_word)
    : prefix_(std::move(continuing_subword_prefix)), max_chars_(max_input_chars_per_word) {
    vocab_.reserve(vocab.size());
    for (const auto& [token, id] : vocab) vocab_.emplace(token, id);
    const auto unk = vocab_.find(unk_token);
    if (unk == vocab_.end())
        throw InputError("tokenizer: the unknown token \"" + unk_token + "\" is not in the WordPiece vocabulary");
    unk_id_ = unk->second;
    build(vocab);
}

void WordPiece::build(const std::vector<std::pair<std::string, int32_t>>& vocab) {
    // Load time matters here (a shell user pays it on every call), so the trie is built without
    // a heap allocation per node.
    // 1. The trie from the strings in byte order: each string adds nodes only below its common
    //    prefix with the one before, so a node's children arrive in byte order, and the last
    //    child of a node on the current path is the previous string's node one level deeper.
    struct Entry {
        std::string_view text;
        int32_t id;  // -1 for the prefix, which needs a node but may not be a token
    };
    std::vector<Entry> entries;
    entries.reserve(vocab.size() + 1);
    for (const auto& [token, id] : vocab)
        if (!token.empty()) entries.push_back({token, vocab_.at(token)});
    entries.push_back({prefix_, -1});
    std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.text < y.text; });

    struct BuildNode {
        uint32_t first_child = kNone, next_sibling = kNone;
        int32_t id = -1;
        uint8_t label = 0;
    };
    std::vector<BuildNode> trie(1);
    std::vector<uint32_t> path{0};  // the previous string's nodes, by depth
    std::string_view previous;
    uint32_t suffix_root_build = 0;
    for (const Entry& entry : entries) {
        const std::string_view s = entry.text;
        std::size_t common = 0;
        while (common < s.size() && common < previous.size() && s[common] == previous[common]) ++common;
        const uint32_t last_child = common + 1 < path.size() ? path[common + 1] : kNone;
        path.resize(common + 1);
        for (std::size_t depth = common; depth < s.size(); ++depth) {
            const auto node = static_cast<uint32_t>(trie.size());
            trie.push_back({.label = static_cast<uint8_t>(s[depth])});
            if (depth == common && last_child != kNone) trie[last_child].next_sibling = node;
            else trie[path.back()].first_child = node;
            path.push_back(node);
        }
        if (entry.id >= 0) trie[path.back()].id = entry.id;
        else suffix_root_build = path.back();
        previous = s;
    }
    if (trie.size() >= (1u << 24)) throw InputError("tokenizer: WordPiece vocabulary too large");

    // 2. Renumber breadth-first, so that the shallow nodes every word visits share cache lines.
    //    The children of a node then have consecutive numbers: [first[v], first[v] + count[v]).
    const std::size_t size = trie.size();
    std::vector<uint32_t> order{0}, new_id(size), first(size), count(size, 0), labels(size);
    std::vector<int32_t> ids(size);
    order.reserve(size);
    for (std::size_t k = 0; k < order.size(); ++k) {
        const BuildNode& node = trie[order[k]];
        new_id[order[k]] = static_cast<uint32_t>(k);
        labels[k] = node.label;
        ids[k] = node.id;
        first[k] = static_cast<uint32_t>(order.size());
        for (uint32_t c = node.first_child; c != kNone; c = trie[c].next_sibling, ++count[k]) order.push_back(c);
    }
    suffix_root_ = new_id[suffix_root_build];

    // 3. Flatten: packed sorted edge lists, 256-entry tables for wide nodes.
    nodes_.assign(size, Node{});
    for (uint32_t v = 0; v < size; ++v) {
        Node& n = nodes_[v];
        if (count[v] > 16) {
            n.n_edges = kDense;
            n.edges = static_cast<uint32_t>(dense_.size() / 256);
            dense_.resize(dense_.size() + 256, kNone);
            for (uint32_t c = first[v]; c < first[v] + count[v]; ++c) dense_[n.edges * 256 + labels[c]] = c;
        } else {
            n.edges = static_cast<uint32_t>(edges_.size());
            n.n_edges = static_cast<uint16_t>(count[v]);
            for (uint32_t c = first[v]; c < first[v] + count[v]; ++c) edges_.push_back((c << 8) | labels[c]);
        }
    }

    // 4. Failure links and pops, in breadth-first order: first the suffix subtrie (whose links
    //    point to shallower suffix nodes), then the rest (whose links point into the suffix subtrie).
    //    A node's pops are its parent's plus those met along the failure links, all computed
    //    before it, so they are appended to pops_ as they are found.
    std::vector<int32_t> popped;
    const auto compute = [&](uint32_t parent, uint8_t label, uint32_t v) {
        Node& n = nodes_[v];
        if (ids[v] >= 0) {
            n.pops = static_cast<uint32_t>(pops_.size());
            n.pops_len = 1;
            pops_.push_back(ids[v]);
            n.fail = suffix_root_;
            return;
        }
        const auto append_pops = [&](uint32_t u) {
            popped.insert(popped.end(), pops_.begin() + nodes_[u].pops, pops_.begin() + nodes_[u].pops + nodes_[u].pops_len);
        };
        popped.clear();
        append_pops(parent);
        uint32_t z = nodes_[parent].fail;
        while (z != kNone && child(z, label) == kNone) {
            append_pops(z);
            z = nodes_[z].fail;
        }
        if (z == kNone) return;  // no way on: the word is unknown
        n.fail = child(z, label);
        n.pops = static_cast<uint32_t>(pops_.size());
        n.pops_len = static_cast<uint16_t>(popped.size());
        pops_.insert(pops_.end(), popped.begin(), popped.end());
    };
    std::vector<uint32_t> queue;
    queue.reserve(size);
    const auto bfs = [&](uint32_t start, bool skip_suffix_root) {
        queue.assign(1, start);
        for (std::size_t k = 0; k < queue.size(); ++k) {
            const uint32_t u = queue[k];
            for (uint32_t v = first[u]; v < first[u] + count[u]; ++v) {
                if (skip_suffix_root && v == suffix_root_) continue;
                compute(u, static_cast<uint8_t>(labels[v]), v);
                queue.push_back(v);
            }
        }
    };
    nodes_[0].fail = kNone;
    nodes_[suffix_root_].fail = kNone;
    if (suffix_root_ != 0) bfs(suffix_root_, false);
    bfs(0, suffix_root_ != 0);
}

void WordPiece::tokenize_word(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    if (word.size() > max_chars_ && unicode::count_chars(word) > max_chars_) {
        ids.push_back(unk_id_);
        return;
    }
    // A word that starts with the prefix would walk into the suffix subtrie from the root,
    // where the links mean something else: HF's loop handles it (rare: BERT splits on '#').
    if (!prefix_.empty() && word.starts_with(prefix_)) {
        tokenize_word_reference(word, ids);
        return;
    }
    const std::size_t mark = ids.size();
    // Takes node's failure link, emitting the tokens it completes (mostly one id). False when
    // it has none: the word cannot be split.
    const auto follow_failure = [&](uint32_t& node) {
        const Node& n = nodes_[node];
        if (n.fail == kNone) return false;
        const int32_t* p = pops_.data() + n.pops;
        for (uint32_t k = 0; k < n.pops_len; ++k) ids.push_back(p[k]);
        node = n.fail;
        return true;
    };
    // An unsplittable word is the unknown token alone, whatever was emitted before.
    const auto unknown_word = [&] {
        ids.resize(mark);
        ids.push_back(unk_id_);
    };
    uint32_t u = 0;
    for (const char ch : word) {
        const auto b = static_cast<uint8_t>(ch);
        uint32_t v;
        while ((v = child(u, b)) == kNone)
            if (!follow_failure(u)) return unknown_word();
        u = v;
    }
    while (u != suffix_root_)
        if (!follow_failure(u)) return unknown_word();
}

void WordPiece::tokenize_word_reference(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    if (unicode::count_chars(word) > max_chars_) {
        ids.push_back(unk_id_);
        return;
    }
    const std::size_t mark = ids.size();
    std::string candidate;
    std::size_t start = 0;
    while (start < word.size()) {
        std::size_t end = word.size();
        bool found = false;
        while (start < end) {
            candidate.clear();
            if (start > 0) candidate = prefix_;
            candidate.append(word.substr(start, end - start));
            if (const auto it = vocab_.find(candidate); it != vocab_.end()) {
                ids.push_back(it->second);
                found = true;
                break;
            }
            do {
                --end;  // back to the previous character boundary
            } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
        }
        if (!found) {
            ids.resize(mark);
            ids.push_back(unk_id_);
            return;
        }
        start = end;
    }
}

}  // namespace bertcls::tok
