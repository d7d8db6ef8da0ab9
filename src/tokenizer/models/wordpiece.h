#pragma once
// WordPiece (HF models/wordpiece): greedy longest-match-first with a continuing-subword prefix
// ("##"); a word longer than max_input_chars_per_word characters, or one with any piece not in
// the vocabulary, becomes the unknown token.
//
// Matching is LinMaxMatch (Song et al., "Fast WordPiece Tokenization", 2021): one byte-level
// trie of every vocabulary string, with failure links and failure pops precomputed, so a word
// costs time linear in its length and no heap allocation beyond appending ids.
#include <cstdint>
#include <span>
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

    // The trie as flat arrays, the compiled form (tokenizer/compiled.h) stores them.
    struct Node {
        uint32_t edges = 0;      // first edge, or dense table index when n_edges == kDense
        uint16_t n_edges = 0;
        uint16_t pops_len = 0;
        uint32_t fail = UINT32_MAX;  // failure link
        uint32_t pops = 0;       // failure pops: ids in pops[pops, pops + pops_len)
    };
    struct Arrays {
        std::span<const Node> nodes;     // breadth-first order; nodes[0] is the root
        std::span<const uint32_t> edges; // (target << 8) | byte, sorted by byte within a node
        std::span<const uint32_t> dense; // 256-entry child tables of wide nodes
        std::span<const int32_t> pops;
        std::span<const uint32_t> is_token;  // bit v: node v spells a vocabulary token
    };
    struct Settings {
        int32_t unk_id = 0;
        std::string prefix = "##";
        std::size_t max_input_chars_per_word = 100;
        uint32_t suffix_root = 0;      // the node of the prefix
        int32_t suffix_root_id = -1;   // the prefix's own id when it is a token
    };
    // A WordPiece over arrays that stay owned elsewhere (the mapped model file). Checks every
    // index (a tree below the root, failure links that end, ids in [0, vocab_size)) and throws
    // InputError naming what is wrong, so that a hostile file cannot make it read out of bounds
    // or loop.
    WordPiece(const Arrays& arrays, Settings settings, std::size_t vocab_size);

    const Arrays& arrays() const { return a_; }
    const Settings& settings() const { return s_; }

    void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const override;
    // HF's own loop (look-ups, quadratic): used for words that start with the prefix and
    // by the tests as a second implementation to compare against.
    void tokenize_word_reference(std::string_view word, std::vector<int32_t>& ids) const;

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr uint16_t kDense = UINT16_MAX;

    uint32_t child(uint32_t node, uint8_t byte) const {
        const Node& n = a_.nodes[node];
        if (n.n_edges == kDense) return a_.dense[static_cast<std::size_t>(n.edges) * 256 + byte];
        const uint32_t* edges = a_.edges.data() + n.edges;
        for (uint32_t k = 0; k < n.n_edges; ++k)
            if ((edges[k] & 0xFF) == byte) return edges[k] >> 8;
        return kNone;
    }
    // The id of a vocabulary string, or -1.
    int32_t find(std::string_view token) const;
    void build(const std::vector<std::pair<std::string, int32_t>>& vocab,
               const std::unordered_map<std::string, int32_t>& first_ids);
    void validate(std::size_t vocab_size) const;

    Settings s_;
    Arrays a_;
    // The arrays when built here (empty for a compiled WordPiece).
    std::vector<Node> nodes_;
    std::vector<uint32_t> edges_, dense_, is_token_;
    std::vector<int32_t> pops_;
};

}  // namespace bertcls::tok
