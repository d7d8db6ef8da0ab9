#include "tokenizer/models/wordpiece.h"

#include <algorithm>
#include <string_view>

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

WordPiece::WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const std::string& unk_token,
                     std::string continuing_subword_prefix, std::size_t max_input_chars_per_word) {
    s_.prefix = std::move(continuing_subword_prefix);
    s_.max_input_chars_per_word = max_input_chars_per_word;
    std::unordered_map<std::string, int32_t> first_ids;  // the first id given for a string wins
    first_ids.reserve(vocab.size());
    for (const auto& [token, id] : vocab) first_ids.emplace(token, id);
    const auto unk = first_ids.find(unk_token);
    if (unk == first_ids.end())
        throw InputError("tokenizer: the unknown token \"" + unk_token + "\" is not in the WordPiece vocabulary");
    s_.unk_id = unk->second;
    build(vocab, first_ids);
}

WordPiece::WordPiece(const Arrays& arrays, Settings settings, std::size_t vocab_size)
    : s_(std::move(settings)), a_(arrays) {
    validate(vocab_size);
}

void WordPiece::build(const std::vector<std::pair<std::string, int32_t>>& vocab,
                      const std::unordered_map<std::string, int32_t>& first_ids) {
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
        if (!token.empty()) entries.push_back({token, first_ids.at(token)});
    entries.push_back({s_.prefix, -1});
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
    s_.suffix_root = new_id[suffix_root_build];
    s_.suffix_root_id = ids[s_.suffix_root];
    is_token_.assign((size + 31) / 32, 0);
    for (uint32_t v = 0; v < size; ++v)
        if (ids[v] >= 0) is_token_[v / 32] |= 1u << (v % 32);

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
    a_.nodes = nodes_;
    a_.edges = edges_;
    a_.dense = dense_;
    a_.is_token = is_token_;

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
            n.fail = s_.suffix_root;
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
                if (skip_suffix_root && v == s_.suffix_root) continue;
                compute(u, static_cast<uint8_t>(labels[v]), v);
                queue.push_back(v);
            }
        }
    };
    nodes_[0].fail = kNone;
    nodes_[s_.suffix_root].fail = kNone;
    if (s_.suffix_root != 0) bfs(s_.suffix_root, false);
    bfs(0, s_.suffix_root != 0);
    a_.pops = pops_;
}

int32_t WordPiece::find(std::string_view token) const {
    uint32_t v = 0;
    for (const char ch : token)
        if ((v = child(v, static_cast<uint8_t>(ch))) == kNone) return -1;
    if (v == s_.suffix_root) return s_.suffix_root_id;
    if (!(a_.is_token[v / 32] >> (v % 32) & 1u)) return -1;
    return a_.pops[a_.nodes[v].pops];  // a token's node pops exactly its own id
}

void WordPiece::validate(std::size_t vocab_size) const {
    const auto bad = [](const std::string& why) { throw InputError("WordPiece trie: " + why); };
    const std::size_t n = a_.nodes.size();
    if (n == 0 || n >= (1u << 24)) bad("node count " + std::to_string(n) + " is out of range");
    if (a_.dense.size() % 256 != 0) bad("dense tables are not a multiple of 256 entries");
    if (a_.is_token.size() != (n + 31) / 32) bad("token bitmap size does not match the nodes");
    if (s_.suffix_root >= n) bad("suffix root is not a node");
    const auto valid_id = [&](int32_t id) { return id >= 0 && static_cast<std::size_t>(id) < vocab_size; };
    if (!valid_id(s_.unk_id)) bad("unknown token id is outside the vocabulary");
    if (s_.suffix_root_id != -1 && !valid_id(s_.suffix_root_id)) bad("prefix token id is outside the vocabulary");
    for (const int32_t id : a_.pops)
        if (!valid_id(id)) bad("a pop id is outside the vocabulary");
    // The nodes a tree below the root, numbered breadth-first with each node's children in byte
    // order (as the builder writes them): then node v's children are exactly the next numbers
    // not yet given, which one pass in node order checks with sequential reads only. Each node
    // is reached once, from a parent numbered before it, so depths are defined.
    // In the same pass, which nodes lie in the subtrie of the prefix (the suffix subtrie).
    std::vector<uint32_t> depth(n, 0);
    std::vector<uint8_t> in_suffix(n, 0);
    in_suffix[0] = s_.suffix_root == 0;
    std::size_t next = 1;  // the number the next child must have
    const auto visit = [&](uint32_t parent, uint32_t c) {
        if (c == kNone) return;
        if (c != next || c >= n) bad("the nodes are not a tree in breadth-first order (node " + std::to_string(c) + ")");
        ++next;
        depth[c] = depth[parent] + 1;
        in_suffix[c] = in_suffix[parent] || c == s_.suffix_root;
    };
    for (uint32_t v = 0; v < n; ++v) {
        if (v >= next) bad("some nodes are not below the root");
        const Node& node = a_.nodes[v];
        if (node.n_edges == kDense) {
            if (node.edges >= a_.dense.size() / 256) bad("a dense table index is out of range");
            const uint32_t* table = a_.dense.data() + static_cast<std::size_t>(node.edges) * 256;
            for (uint32_t b = 0; b < 256; ++b) visit(v, table[b]);
        } else {
            if (static_cast<std::size_t>(node.edges) + node.n_edges > a_.edges.size()) bad("an edge list is out of range");
            for (uint32_t e = 0; e < node.n_edges; ++e) visit(v, a_.edges[node.edges + e] >> 8);
        }
        if (static_cast<std::size_t>(node.pops) + node.pops_len > a_.pops.size()) bad("a pop list is out of range");
        if (depth[v] > 4096) bad("a token is longer than 4096 bytes");
    }
    for (uint32_t v = 0; v < n; ++v)
        if ((a_.is_token[v / 32] >> (v % 32) & 1u) && v != s_.suffix_root && a_.nodes[v].pops_len != 1)
            bad("a token node does not pop its own id");
    // Failure links end: from outside the suffix subtrie they lead into it, inside it they lead
    // strictly closer to its root (which has none).
    if (a_.nodes[s_.suffix_root].fail != kNone || (s_.suffix_root != 0 && a_.nodes[0].fail != kNone))
        bad("the roots have failure links");
    // Each token popped covers at least one byte of the node's string that the failure node no
    // longer holds, which bounds the ids a word can produce (to about prefix length x bytes).
    const uint32_t prefix_depth = depth[s_.suffix_root];
    for (uint32_t v = 0; v < n; ++v) {
        const uint32_t f = a_.nodes[v].fail;
        if (f == kNone) continue;
        if (f >= n || !in_suffix[f] || (in_suffix[v] && depth[f] >= depth[v])) bad("a failure link may not end");
        if (a_.nodes[v].pops_len + depth[f] > depth[v] + prefix_depth) bad("a node pops more tokens than it has bytes");
    }
}

void WordPiece::tokenize_word(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    if (word.size() > s_.max_input_chars_per_word && unicode::count_chars(word) > s_.max_input_chars_per_word) {
        ids.push_back(s_.unk_id);
        return;
    }
    // A word that starts with the prefix would walk into the suffix subtrie from the root,
    // where the links mean something else: HF's loop handles it (rare: BERT splits on '#').
    if (!s_.prefix.empty() && word.starts_with(s_.prefix)) {
        tokenize_word_reference(word, ids);
        return;
    }
    const std::size_t mark = ids.size();
    // Takes node's failure link, emitting the tokens it completes (mostly one id). False when
    // it has none: the word cannot be split.
    const auto follow_failure = [&](uint32_t& node) {
        const Node& n = a_.nodes[node];
        if (n.fail == kNone) return false;
        const int32_t* p = a_.pops.data() + n.pops;
        for (uint32_t k = 0; k < n.pops_len; ++k) ids.push_back(p[k]);
        node = n.fail;
        return true;
    };
    // An unsplittable word is the unknown token alone, whatever was emitted before.
    const auto unknown_word = [&] {
        ids.resize(mark);
        ids.push_back(s_.unk_id);
    };
    uint32_t u = 0;
    for (const char ch : word) {
        const auto b = static_cast<uint8_t>(ch);
        uint32_t v;
        while ((v = child(u, b)) == kNone)
            if (!follow_failure(u)) return unknown_word();
        u = v;
    }
    while (u != s_.suffix_root)
        if (!follow_failure(u)) return unknown_word();
}

void WordPiece::tokenize_word_reference(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    if (unicode::count_chars(word) > s_.max_input_chars_per_word) {
        ids.push_back(s_.unk_id);
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
            if (start > 0) candidate = s_.prefix;
            candidate.append(word.substr(start, end - start));
            if (const int32_t id = find(candidate); id >= 0) {
                ids.push_back(id);
                found = true;
                break;
            }
            do {
                --end;  // back to the previous character boundary
            } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
        }
        if (!found) {
            ids.resize(mark);
            ids.push_back(s_.unk_id);
            return;
        }
        start = end;
    }
}

}  // namespace bertcls::tok
