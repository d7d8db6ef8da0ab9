#pragma once
// Unigram (HF models/unigram, the fast tokenizer's port of SentencePiece's optimised Viterbi):
// the segmentation of a word maximising the sum of piece scores. Every vocabulary entry is a
// candidate piece, control tokens included. A character no piece covers costs
// min_score - 10 as the unknown token; consecutive unknown characters fuse into one (fuse_unk),
// and with byte_fallback an unknown run becomes its <0xXX> byte tokens when all exist.
// Ties keep the first candidate found (shorter pieces first, the unknown last), like HF.
// Results are cached per thread for words under 256 bytes (as HF caches them).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class Unigram final : public Model {
public:
    // vocab: (piece, score) with id = index. A repeated piece keeps its last id (HF's map).
    Unigram(const std::vector<std::pair<std::string, double>>& vocab, int32_t unk_id, bool byte_fallback = false,
            bool fuse_unk = true);
    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr uint32_t kDenseFanout = 8;  // nodes with this many children get a 256-entry table
    struct Node {
        uint32_t edges = 0;        // first edge in labels_/targets_
        uint32_t n_edges = 0;
        int32_t id = -1;           // the piece ending here, or -1
        uint32_t dense = kNone;    // index of the node's table in dense_, or kNone
    };
    uint32_t child(uint32_t node, uint8_t byte) const {
        const Node& n = nodes_[node];
        if (n.dense != kNone) return dense_[static_cast<std::size_t>(n.dense) * 256 + byte];
        const uint8_t* labels = labels_.data() + n.edges;
        for (uint32_t k = 0; k < n.n_edges; ++k)
            if (labels[k] == byte) return targets_[n.edges + k];
        return kNone;
    }
    int32_t find(std::string_view piece) const;  // -1 when absent
    void viterbi(std::string_view word, std::vector<int32_t>& ids) const;

    std::vector<Node> nodes_;
    std::vector<uint32_t> dense_;
    std::vector<uint8_t> labels_;
    std::vector<uint32_t> targets_;
    std::vector<double> scores_;
    int32_t unk_id_;
    double unk_score_;
    bool byte_fallback_, fuse_unk_;
    int32_t byte_ids_[256];  // <0xXX> ids, -1 when absent
    uint64_t instance_;      // identifies this model in the per-thread word caches
};

}  // namespace bertcls::tok
