#pragma once
// WordPiece (HF models/wordpiece): greedy longest-match-first with a continuing-subword prefix
// ("##"); a word longer than max_input_chars_per_word characters, or one with any piece not in
// the vocabulary, becomes the unknown token.
//
// Matching is LinMaxMatch (Song et al., "Fast WordPiece Tokenization", 2021): one byte-level
// trie of every vocabulary string, with failure links and failure pops precomputed, so a word
// costs time linear in its length and no heap allocation beyond appending ids.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class WordPiece final : public Model {
public:
    // vocab: (token, id) pairs. Throws InputError when unk_token is not in it.
    WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const std::string& unk_token,
              std::string continuing_subword_prefix = "##", std::size_t max_input_chars_per_word = 100);

    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;
    // HF's own loop (hash look-ups, quadratic): used for words that start with the prefix and
    // by the tests as a second implementation to compare against.
    void tokenize_word_reference(std::string_view word, std::vector<int32_t>& ids) const;

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr uint16_t kDense = UINT16_MAX;
    struct Node {
        uint32_t edges = 0;      // first edge, or dense table index when n_edges == kDense
        uint16_t n_edges = 0;
        uint16_t pops_len = 0;
        uint32_t fail = kNone;   // failure link
        uint32_t pops = 0;       // failure pops: ids in pops_[pops, pops + pops_len)
    };

    uint32_t child(uint32_t node, uint8_t byte) const {
        const Node& n = nodes_[node];
        if (n.n_edges == kDense) return dense_[static_cast<std::size_t>(n.edges) * 256 + byte];
        const uint32_t* edges = edges_.data() + n.edges;
        for (uint32_t k = 0; k < n.n_edges; ++k)
            if ((edges[k] & 0xFF) == byte) return edges[k] >> 8;
        return kNone;
    }
    void build(const std::vector<std::pair<std::string, int32_t>>& vocab);

    std::unordered_map<std::string, int32_t> vocab_;
    int32_t unk_id_ = 0;
    std::string prefix_;
    std::size_t max_chars_;

    std::vector<Node> nodes_;  // breadth-first order (hot shallow nodes together); nodes_[0] is the root
    uint32_t suffix_root_ = 0; // the node of the prefix ("##")
    std::vector<uint32_t> edges_;  // (target << 8) | byte, sorted by byte within a node
    std::vector<uint32_t> dense_;
    std::vector<int32_t> pops_;
};

}  // namespace bertcls::tok
