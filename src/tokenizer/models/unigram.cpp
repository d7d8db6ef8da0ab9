// The Unigram model, after HF models/unigram/model.rs (encode_optimized + tokenize).
#include "tokenizer/models/unigram.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "tokenizer/word_cache.h"
#include "util/error.h"

namespace bertcls::tok {

namespace {

constexpr double kUnkPenalty = 10.0;
inline std::size_t utf8_length(unsigned char b) {
    if (b < 0x80) return 1;
    if (b < 0xE0) return 2;
    if (b < 0xF0) return 3;
    return 4;
}

}  // namespace

Unigram::Unigram(const std::vector<std::pair<std::string, double>>& vocab, Options options)
    : options_(options), instance_(WordCache::new_owner_id()) {
    if (vocab.empty()) throw InputError("tokenizer: the Unigram vocabulary is empty");
    scores_.reserve(vocab.size());
    for (const auto& entry : vocab) scores_.push_back(entry.second);
    // A temporary trie built from the pieces in byte order (so an existing child with a given
    // label is always its parent's last), flattened below.
    std::vector<uint32_t> order(vocab.size());
    for (std::size_t id = 0; id < order.size(); ++id) order[id] = static_cast<uint32_t>(id);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return vocab[a].first < vocab[b].first; });
    std::vector<std::vector<std::pair<uint8_t, uint32_t>>> children(1);
    std::vector<int32_t> node_ids(1, -1);
    for (const uint32_t id : order) {
        const std::string& piece = vocab[id].first;
        if (piece.empty()) continue;
        uint32_t node = 0;
        for (const char ch : piece) {
            const auto b = static_cast<uint8_t>(ch);
            auto& edges = children[node];
            if (!edges.empty() && edges.back().first == b) {
                node = edges.back().second;
                continue;
            }
            const auto fresh = static_cast<uint32_t>(children.size());
            edges.emplace_back(b, fresh);  // may reallocate `children` below: do not keep `edges`
            children.emplace_back();
            node_ids.push_back(-1);
            node = fresh;
        }
        node_ids[node] = static_cast<int32_t>(id);  // stable order: the last id of a repeated piece wins
    }
    nodes_.resize(children.size());
    for (std::size_t node = 0; node < children.size(); ++node) {
        Node& n = nodes_[node];
        n.id = node_ids[node];
        n.edges = static_cast<uint32_t>(labels_.size());
        n.n_edges = static_cast<uint32_t>(children[node].size());
        if (node == 0 || n.n_edges >= kDenseFanout) {
            n.dense = static_cast<uint32_t>(dense_.size() / 256);
            dense_.resize(dense_.size() + 256, kNone);
        }
        for (const auto& [label, target] : children[node]) {
            labels_.push_back(label);
            targets_.push_back(target);
            if (n.dense != kNone) dense_[static_cast<std::size_t>(n.dense) * 256 + label] = target;
        }
    }
    a_ = {nodes_, dense_, labels_, targets_, scores_};
    finish();
}

Unigram::Unigram(const Arrays& arrays, Options options)
    : a_(arrays), options_(options), instance_(WordCache::new_owner_id()) {
    validate();
    finish();
}

void Unigram::validate() const {
    const auto bad = [](const std::string& why) { throw InputError("Unigram tables: " + why); };
    if (a_.scores.empty()) bad("the vocabulary is empty");
    if (a_.nodes.empty() || a_.nodes[0].dense == kNone) bad("the trie has no root table");
    if (a_.labels.size() != a_.targets.size()) bad("the edge labels do not match the edge targets");
    if (a_.dense.size() % 256 != 0) bad("the dense tables are not 256 entries each");
    const std::size_t n_nodes = a_.nodes.size(), n_tables = a_.dense.size() / 256;
    for (std::size_t k = 0; k < n_nodes; ++k) {
        const Node& n = a_.nodes[k];
        if (n.edges > a_.labels.size() || n.n_edges > a_.labels.size() - n.edges ||
            (n.dense != kNone && n.dense >= n_tables) || (n.id != -1 && (n.id < 0 || static_cast<std::size_t>(n.id) >= a_.scores.size())))
            bad("node " + std::to_string(k) + " points outside the tables");
    }
    uint32_t largest = 0;  // kNone marks "no child" in the dense tables; anything else is a node
    for (const uint32_t t : a_.targets) largest = std::max(largest, t);
    for (const uint32_t t : a_.dense) largest = std::max(largest, t == kNone ? 0u : t);
    if (largest >= n_nodes) bad("an edge leads to node " + std::to_string(largest) + " of " + std::to_string(n_nodes));
}

void Unigram::finish() {
    if (options_.unk_id < 0 || static_cast<std::size_t>(options_.unk_id) >= a_.scores.size())
        throw InputError("tokenizer: Unigram unk_id " + std::to_string(options_.unk_id) + " is outside the vocabulary");
    double min_score = std::numeric_limits<double>::infinity();
    for (const double score : a_.scores) min_score = std::min(min_score, score);
    unk_score_ = min_score - kUnkPenalty;
    char name[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_ids_[b] = find(name);
    }
}

int32_t Unigram::find(std::string_view piece) const {
    if (piece.empty()) return -1;
    uint32_t node = 0;
    for (const char ch : piece) {
        node = child(node, static_cast<uint8_t>(ch));
        if (node == kNone) return -1;
    }
    return a_.nodes[node].id;
}

void Unigram::tokenize_word(std::string_view word, std::vector<int32_t>& ids) const {
    if (word.empty()) return;
    thread_local WordCache cache;  // the Unigram models' cache on this thread
    cache.tokenize(instance_, word, ids,
                   [this](std::string_view w, std::vector<int32_t>& out) { viterbi(w, out); });
}

void Unigram::viterbi(std::string_view word, std::vector<int32_t>& ids) const {
    struct Best {
        double score;
        int32_t start;  // -1: not reached yet
        int32_t id;
    };
    thread_local std::vector<Best> best;
    thread_local std::vector<std::pair<uint32_t, uint32_t>> path;  // (start, end) of each token, last first
    thread_local std::vector<int32_t> path_ids;
    const std::size_t n = word.size();
    best.assign(n + 1, Best{0.0, -1, -1});
    best[0].start = 0;
    std::size_t pos = 0;
    while (pos < n) {
        const double base = best[pos].score;
        const std::size_t char_len = std::min(utf8_length(static_cast<unsigned char>(word[pos])), n - pos);
        bool has_single = false;
        uint32_t node = 0;
        for (std::size_t k = pos; k < n; ++k) {
            node = child(node, static_cast<uint8_t>(word[k]));
            if (node == kNone) break;
            const int32_t id = a_.nodes[node].id;
            if (id < 0) continue;
            const std::size_t end = k + 1;
            const double candidate = base + a_.scores[static_cast<std::size_t>(id)];
            Best& target = best[end];
            if (target.start < 0 || candidate > target.score) target = {candidate, static_cast<int32_t>(pos), id};
            if (end - pos == char_len) has_single = true;
        }
        if (!has_single) {
            const double candidate = base + unk_score_;
            Best& target = best[pos + char_len];
            if (target.start < 0 || candidate > target.score)
                target = {candidate, static_cast<int32_t>(pos), options_.unk_id};
        }
        pos += char_len;
    }

    // Back-track, fusing runs of unknown tokens.
    path.clear();
    path_ids.clear();
    std::size_t end = n;
    std::size_t unk_end = 0;
    bool in_unk = false;
    while (end > 0) {
        const Best& node = best[end];
        const auto start = static_cast<std::size_t>(node.start);
        if (options_.fuse_unk && node.id == options_.unk_id) {
            if (!in_unk) unk_end = end;
            in_unk = true;
        } else {
            if (in_unk) {
                path.emplace_back(static_cast<uint32_t>(end), static_cast<uint32_t>(unk_end));
                path_ids.push_back(-2);  // an unknown run: resolved below
                in_unk = false;
            }
            path.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(end));
            path_ids.push_back(node.id == options_.unk_id ? -2 : node.id);
        }
        end = start;
    }
    if (in_unk) {
        path.emplace_back(0u, static_cast<uint32_t>(unk_end));
        path_ids.push_back(-2);
    }
    for (std::size_t k = path.size(); k-- > 0;) {
        if (path_ids[k] >= 0) {
            ids.push_back(path_ids[k]);
            continue;
        }
        // HF maps each token string back through the vocabulary; an unknown run is normally
        // absent from it.
        const std::string_view s = word.substr(path[k].first, path[k].second - path[k].first);
        const int32_t id = find(s);
        if (id >= 0) {
            ids.push_back(id);
            continue;
        }
        if (options_.byte_fallback) {
            bool all = true;
            for (const char ch : s) all = all && byte_ids_[static_cast<unsigned char>(ch)] >= 0;
            if (all) {
                for (const char ch : s) ids.push_back(byte_ids_[static_cast<unsigned char>(ch)]);
                continue;
            }
        }
        ids.push_back(options_.unk_id);
    }
}

}  // namespace bertcls::tok
