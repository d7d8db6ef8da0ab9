#pragma once
// Unigram (HF models/unigram, the fast tokenizer's port of SentencePiece's optimised Viterbi):
// the segmentation of a word maximising the sum of piece scores. Every vocabulary entry is a
// candidate piece, control tokens included. A character no piece covers costs
// min_score - 10 as the unknown token; consecutive unknown characters fuse into one (fuse_unk),
// and with byte_fallback an unknown run becomes its <0xXX> byte tokens when all exist.
// Ties keep the first candidate found (shorter pieces first, the unknown last), like HF.
// Results are cached per thread for words under 256 bytes (as HF caches them).
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class Unigram final : public Model {
public:
    struct Options {
        int32_t unk_id = 0;
        bool byte_fallback = false;
        bool fuse_unk = true;
    };
    // vocab: (piece, score) with id = index. A repeated piece keeps its last id (HF's map).
    Unigram(const std::vector<std::pair<std::string, double>>& vocab, Options options);

    static constexpr uint32_t kNone = UINT32_MAX;
    // A node of the trie of pieces (byte labels). Its children are labels[edges, edges + n_edges)
    // with targets[...]; a node with many children also has a 256-entry table dense[256 * dense].
    struct Node {
        uint32_t edges = 0;
        uint32_t n_edges = 0;
        int32_t id = -1;         // the piece ending here, or -1
        uint32_t dense = kNone;  // the node's table in dense, or kNone
    };
    // The model as flat arrays, which the compiled form (tokenizer/compiled.h) stores.
    struct Arrays {
        std::span<const Node> nodes;
        std::span<const uint32_t> dense;
        std::span<const uint8_t> labels;
        std::span<const uint32_t> targets;
        std::span<const double> scores;  // by id
    };
    // A Unigram over arrays that stay owned elsewhere (the mapped model file). Checks every index
    // and id and throws InputError naming what is wrong; a look-up reads one node per byte of the
    // word, so a hostile trie cannot make it loop.
    Unigram(const Arrays& arrays, Options options);

    const Arrays& arrays() const { return a_; }
    const Options& options() const { return options_; }

    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;

private:
    static constexpr uint32_t kDenseFanout = 8;  // nodes with this many children get a 256-entry table
    uint32_t child(uint32_t node, uint8_t byte) const {
        const Node& n = a_.nodes[node];
        if (n.dense != kNone) return a_.dense[static_cast<std::size_t>(n.dense) * 256 + byte];
        const uint8_t* labels = a_.labels.data() + n.edges;
        for (uint32_t k = 0; k < n.n_edges; ++k)
            if (labels[k] == byte) return a_.targets[n.edges + k];
        return kNone;
    }
    int32_t find(std::string_view piece) const;  // -1 when absent
    void viterbi(std::string_view word, std::vector<int32_t>& ids) const;
    void validate() const;
    // What both constructors end with: the unknown token's score and the <0xXX> ids.
    void finish();

    Arrays a_;
    // The arrays when built here (empty for a compiled Unigram).
    std::vector<Node> nodes_;
    std::vector<uint32_t> dense_;
    std::vector<uint8_t> labels_;
    std::vector<uint32_t> targets_;
    std::vector<double> scores_;

    Options options_;
    double unk_score_ = 0.0;
    int32_t byte_ids_[256];  // <0xXX> ids, -1 when absent
    uint64_t instance_;      // identifies this model in the per-thread word caches
};

}  // namespace bertcls::tok
