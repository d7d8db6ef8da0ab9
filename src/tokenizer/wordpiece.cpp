#include "tokenizer/wordpiece.h"

#include <algorithm>
#include <deque>

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

WordPiece::WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const std::string& unk_token,
                     std::string continuing_subword_prefix, std::size_t max_input_chars_per_word)
    : prefix_(std::move(continuing_subword_prefix)), max_chars_(max_input_chars_per_word) {
    for (const auto& [token, id] : vocab) vocab_.emplace(token, id);
    const auto unk = vocab_.find(unk_token);
    if (unk == vocab_.end())
        throw InputError("tokenizer: the unknown token \"" + unk_token + "\" is not in the WordPiece vocabulary");
    unk_id_ = unk->second;
    build(vocab);
}

void WordPiece::build(const std::vector<std::pair<std::string, int32_t>>& vocab) {
    // 1. A plain trie with per-node child lists.
    struct BuildNode {
        std::vector<std::pair<uint8_t, uint32_t>> children;
        int32_t id = -1;
    };
    std::vector<BuildNode> trie(1);
    const auto insert = [&](std::string_view s) {
        uint32_t node = 0;
        for (const char ch : s) {
            const auto b = static_cast<uint8_t>(ch);
            uint32_t next = kNone;
            for (const auto& [label, target] : trie[node].children)
                if (label == b) next = target;
            if (next == kNone) {
                next = static_cast<uint32_t>(trie.size());
                trie[node].children.emplace_back(b, next);
                trie.emplace_back();
            }
            node = next;
        }
        return node;
    };
    for (const auto& entry : vocab) {
        const std::string& token = entry.first;
        if (token.empty()) continue;
        trie[insert(token)].id = vocab_.at(token);
    }
    const uint32_t suffix_root_build = insert(prefix_);
    if (trie.size() >= (1u << 24)) throw InputError("tokenizer: WordPiece vocabulary too large");

    // 2. Renumber breadth-first, so that the shallow nodes every word visits share cache lines.
    std::vector<uint32_t> order{0}, new_id(trie.size(), kNone);
    new_id[0] = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        auto& children = trie[order[k]].children;
        std::sort(children.begin(), children.end());
        for (const auto& child_entry : children) {
            new_id[child_entry.second] = static_cast<uint32_t>(order.size());
            order.push_back(child_entry.second);
        }
    }
    {
        std::vector<BuildNode> renumbered(trie.size());
        for (uint32_t old_id = 0; old_id < trie.size(); ++old_id) {
            BuildNode& n = renumbered[new_id[old_id]];
            n.id = trie[old_id].id;
            n.children = std::move(trie[old_id].children);
            for (auto& child_entry : n.children) child_entry.second = new_id[child_entry.second];
        }
        trie.swap(renumbered);
    }
    suffix_root_ = new_id[suffix_root_build];

    // 3. Flatten: packed sorted edge lists, 256-entry tables for wide nodes.
    nodes_.assign(trie.size(), Node{});
    for (uint32_t v = 0; v < trie.size(); ++v) {
        const auto& children = trie[v].children;
        Node& n = nodes_[v];
        if (children.size() > 16) {
            n.n_edges = kDense;
            n.edges = static_cast<uint32_t>(dense_.size() / 256);
            dense_.resize(dense_.size() + 256, kNone);
            for (const auto& [label, target] : children) dense_[n.edges * 256 + label] = target;
        } else {
            n.edges = static_cast<uint32_t>(edges_.size());
            n.n_edges = static_cast<uint16_t>(children.size());
            for (const auto& [label, target] : children) edges_.push_back((target << 8) | label);
        }
    }

    // 4. Failure links and pops, in breadth-first order: first the suffix subtrie (whose links
    //    point to shallower suffix nodes), then the rest (whose links point into the suffix subtrie).
    std::vector<std::vector<int32_t>> pops(trie.size());
    const auto compute = [&](uint32_t parent, uint8_t label, uint32_t v) {
        Node& n = nodes_[v];
        if (trie[v].id >= 0) {
            pops[v] = {trie[v].id};
            n.fail = suffix_root_;
            return;
        }
        uint32_t z = nodes_[parent].fail;
        std::vector<int32_t> popped = pops[parent];
        while (z != kNone && child(z, label) == kNone) {
            popped.insert(popped.end(), pops[z].begin(), pops[z].end());
            z = nodes_[z].fail;
        }
        if (z == kNone) return;  // no way on: the word is unknown
        n.fail = child(z, label);
        pops[v] = std::move(popped);
    };
    const auto bfs = [&](uint32_t start, bool skip_suffix_root) {
        std::deque<uint32_t> queue{start};
        while (!queue.empty()) {
            const uint32_t u = queue.front();
            queue.pop_front();
            for (const auto& [label, v] : trie[u].children) {
                if (skip_suffix_root && v == suffix_root_) continue;
                compute(u, label, v);
                queue.push_back(v);
            }
        }
    };
    nodes_[0].fail = kNone;
    nodes_[suffix_root_].fail = kNone;
    if (suffix_root_ != 0) bfs(suffix_root_, false);
    bfs(0, suffix_root_ != 0);
    for (uint32_t v = 0; v < trie.size(); ++v) {
        if (v == suffix_root_ || v == 0) continue;
        nodes_[v].pops = static_cast<uint32_t>(pops_.size());
        nodes_[v].pops_len = static_cast<uint16_t>(pops[v].size());
        pops_.insert(pops_.end(), pops[v].begin(), pops[v].end());
    }
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
