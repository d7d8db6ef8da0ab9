#pragma once
// `bertcls batch --shard K/N`: the K-th of N line-aligned shards of an input file. Shard K owns
// the lines that start in bytes [K*size/N, (K+1)*size/N) of the file, so the N shards own every
// line exactly once, in order, and `cat` of their outputs is the output of the whole file. Each
// shard finds its range alone (no coordination): it seeks to its first byte, moves to the next
// line start, and counts the lines before it so that error records carry the file's line numbers.
#include <cstdint>
#include <string>

namespace bertcls::batch {

struct ShardSpec {
    uint64_t index = 0, count = 0;  // count 0: the whole input, no sharding
};

struct ShardRange {
    uint64_t begin = 0;           // byte offset of the first owned line
    uint64_t limit = UINT64_MAX;  // owned lines start in [begin, begin + limit)
    uint64_t first_line = 1;      // the 1-based line number of the first owned line
};

// Parses "K/N"; throws UsageError unless 0 <= K < N.
ShardSpec parse_shard(const std::string& text);

// Locates the shard in the regular file open at `fd` and leaves the file offset at its first
// byte. Throws InputError when the file is not a regular file or cannot be read.
ShardRange locate_shard(int fd, const std::string& name, const ShardSpec& shard);

}  // namespace bertcls::batch
