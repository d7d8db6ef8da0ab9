// The compiled tokenizer (compiled.h): writing and reading the blob.
#include "tokenizer/compiled.h"

#include <bit>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/loaders/factory.h"
#include "tokenizer/models/bpe.h"
#include "tokenizer/models/unigram.h"
#include "tokenizer/models/wordpiece.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls {

static_assert(std::endian::native == std::endian::little, "the compiled tokenizer is little-endian");
static_assert(sizeof(tok::WordPiece::Node) == 16 && alignof(tok::WordPiece::Node) == 4);
static_assert(sizeof(tok::Bpe::MergeSlot) == 16 && alignof(tok::Bpe::MergeSlot) == 4);
static_assert(sizeof(tok::Unigram::Node) == 16 && alignof(tok::Unigram::Node) == 4);

using nlohmann::json;

namespace {

constexpr char kMagic[8] = {'B', 'C', 'T', 'O', 'K', 'E', 'N', '\0'};
constexpr std::size_t kNameBytes = 16;
constexpr std::size_t kEntryBytes = kNameBytes + 16;
constexpr uint32_t kMaxSections = 64;
// Versions 2 and 3 only added BPE and Unigram to version 1 (WordPiece), whose blobs they read as
// they are.
constexpr uint32_t kOldestReadableVersion = 1;

class BlobWriter {
public:
    template <class T>
    void add(const std::string& name, std::span<const T> values) {
        sections_.push_back({name, std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes())});
    }
    void add(const std::string& name, std::string bytes) { sections_.push_back({name, std::move(bytes)}); }

    std::string finish() const {
        std::string out(kMagic, sizeof kMagic);
        append_u32(out, kCompiledTokenizerVersion);
        append_u32(out, static_cast<uint32_t>(sections_.size()));
        uint64_t offset = round8(out.size() + sections_.size() * kEntryBytes);
        for (const auto& [name, bytes] : sections_) {
            std::string padded = name;
            padded.resize(kNameBytes, '\0');
            out += padded;
            append_u64(out, offset);
            append_u64(out, bytes.size());
            offset = round8(offset + bytes.size());
        }
        for (const auto& [name, bytes] : sections_) {
            out.resize(round8(out.size()), '\0');
            out += bytes;
        }
        // A multiple of 64 long: the converter puts the blob first in the data, which starts at a
        // multiple of 64, and the tensors after it keep their alignment.
        out.resize((out.size() + 63) & ~std::size_t{63}, '\0');
        return out;
    }

private:
    static uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
    static void append_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
    static void append_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
    std::vector<std::pair<std::string, std::string>> sections_;
};

[[noreturn]] void malformed(const std::string& why) { throw InputError("compiled tokenizer: " + why); }

// The section table of a blob whose start is 8-byte aligned; every section lies inside it.
class BlobReader {
public:
    // nullopt: another version.
    static std::optional<BlobReader> open(std::span<const std::byte> blob) {
        if (blob.size() < 16 || std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0) malformed("bad magic bytes");
        const uint32_t version = read<uint32_t>(blob, 8);
        if (version < kOldestReadableVersion || version > kCompiledTokenizerVersion) return std::nullopt;
        const uint32_t count = read<uint32_t>(blob, 12);
        if (count > kMaxSections || 16 + std::size_t{count} * kEntryBytes > blob.size())
            malformed("the section table does not fit");
        BlobReader reader;
        reader.blob_ = blob;
        for (uint32_t i = 0; i < count; ++i) {
            const std::size_t at = 16 + std::size_t{i} * kEntryBytes;
            const char* name = reinterpret_cast<const char*>(blob.data() + at);
            std::string section_name(name, strnlen(name, kNameBytes));
            const uint64_t offset = read<uint64_t>(blob, at + kNameBytes), size = read<uint64_t>(blob, at + kNameBytes + 8);
            if (offset % 8 != 0 || offset > blob.size() || size > blob.size() - offset)
                malformed("section '" + section_name + "' lies outside the blob");
            reader.sections_.push_back({std::move(section_name), blob.subspan(offset, size)});
        }
        return reader;
    }

    std::span<const std::byte> bytes(const std::string& name) const {
        for (const auto& [n, span] : sections_)
            if (n == name) return span;
        malformed("section '" + name + "' is missing");
    }
    template <class T>
    std::span<const T> array(const std::string& name) const {
        const auto b = bytes(name);
        if (b.size() % sizeof(T) != 0) malformed("section '" + name + "' is not a whole number of elements");
        return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
    }
    std::string_view text(const std::string& name) const {
        const auto b = bytes(name);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }

private:
    template <class T>
    static T read(std::span<const std::byte> blob, std::size_t at) {
        T v;
        std::memcpy(&v, blob.data() + at, sizeof v);
        return v;
    }
    std::span<const std::byte> blob_;
    std::vector<std::pair<std::string, std::span<const std::byte>>> sections_;
};

json added_tokens_json(const std::vector<tok::AddedToken>& tokens) {
    json list = json::array();
    for (const auto& t : tokens)
        list.push_back({{"content", t.content}, {"id", t.id}, {"single_word", t.single_word}, {"lstrip", t.lstrip},
                        {"rstrip", t.rstrip}, {"normalized", t.normalized}, {"special", t.special}});
    return list;
}

// The post-processor as TemplateProcessing, which read_post_processor() turns back into the same
// two templates.
json post_processor_json(const tok::PostProcessor& p) {
    json specials = json::object();
    const auto pieces = [&](const std::vector<tok::TemplatePiece>& templ) {
        json list = json::array();
        for (const auto& piece : templ) {
            if (piece.kind == tok::TemplatePiece::Kind::special) {
                // Appended, not "s" + to_string(): GCC 12 warns falsely on that (-Wrestrict, its bug 105329).
                std::string name = "s";
                name += std::to_string(specials.size());
                specials[name] = {{"id", name}, {"ids", piece.ids}, {"tokens", json::array()}};
                list.push_back({{"SpecialToken", {{"id", name}, {"type_id", piece.type_id}}}});
            } else {
                const char* id = piece.kind == tok::TemplatePiece::Kind::sequence_a ? "A" : "B";
                list.push_back({{"Sequence", {{"id", id}, {"type_id", piece.type_id}}}});
            }
        }
        return list;
    };
    json single = pieces(p.single_template());
    json pair = pieces(p.pair_template());
    return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

// Moves each SentencePiece charsmap of a normalizer spec out of its base64 string into a section
// of its own ("charsmap.K", the raw bytes), which the normalizer then reads without a JSON string
// or base64 to decode: {"type": "Precompiled", "section": "charsmap.K"}.
void move_charsmaps_to_sections(json& normalizer, BlobWriter& writer, int& count) {
    if (!normalizer.is_object()) return;
    const std::string type = normalizer.value("type", "");
    if (type == "Sequence" && normalizer.contains("normalizers")) {
        for (json& part : normalizer["normalizers"]) move_charsmaps_to_sections(part, writer, count);
    } else if (type == "Precompiled" && normalizer.contains("precompiled_charsmap") &&
               normalizer["precompiled_charsmap"].is_string()) {
        const auto bytes = base64_decode(normalizer["precompiled_charsmap"].get<std::string>());
        if (!bytes) throw InputError("tokenizer.json: precompiled_charsmap is not valid base64");
        const std::string name = "charsmap." + std::to_string(count++);
        writer.add(name, *bytes);
        normalizer.erase("precompiled_charsmap");
        normalizer["section"] = name;
    }
}

// Keeps the owner of the bytes alive behind the tokenizer that reads them.
class CompiledTokenizer final : public Tokenizer {
public:
    CompiledTokenizer(std::shared_ptr<const void> owner, std::unique_ptr<Tokenizer> inner)
        : owner_(std::move(owner)), inner_(std::move(inner)) {}
    Encoding encode(std::string_view text, std::optional<std::string_view> pair,
                    const EncodeOptions& options) const override {
        return inner_->encode(text, pair, options);
    }
    Segments encode_segments(std::string_view text, std::optional<std::string_view> pair) const override {
        return inner_->encode_segments(text, pair);
    }
    Encoding post_process(std::span<const int32_t> first, std::optional<std::span<const int32_t>> second,
                          bool with_tokens) const override {
        return inner_->post_process(first, second, with_tokens);
    }
    std::size_t num_special_tokens(bool pair) const override { return inner_->num_special_tokens(pair); }
    std::optional<std::string_view> id_to_token(int32_t id) const override { return inner_->id_to_token(id); }
    std::size_t vocab_size() const override { return inner_->vocab_size(); }

private:
    std::shared_ptr<const void> owner_;  // declared first: destroyed after inner_
    std::unique_ptr<Tokenizer> inner_;
};

// The models with a compiled form: all three.
bool has_compiled_form(const tok::TokenizerParts& parts) {
    return parts.spec.is_object() && (dynamic_cast<const tok::WordPiece*>(parts.model) ||
                                      dynamic_cast<const tok::Bpe*>(parts.model) ||
                                      dynamic_cast<const tok::Unigram*>(parts.model));
}

std::unique_ptr<tok::Model> read_model(const BlobReader& reader, const json& model, std::size_t vocab_size) {
    const std::string type = model.at("type").get<std::string>();
    if (type == "WordPiece") {
        tok::WordPiece::Settings settings;
        settings.unk_id = model.at("unk_id").get<int32_t>();
        settings.prefix = model.at("continuing_subword_prefix").get<std::string>();
        settings.max_input_chars_per_word = model.at("max_input_chars_per_word").get<std::size_t>();
        settings.suffix_root = model.at("suffix_root").get<uint32_t>();
        settings.suffix_root_id = model.at("suffix_root_id").get<int32_t>();
        const tok::WordPiece::Arrays arrays{reader.array<tok::WordPiece::Node>("wp.nodes"),
                                            reader.array<uint32_t>("wp.edges"), reader.array<uint32_t>("wp.dense"),
                                            reader.array<int32_t>("wp.pops"), reader.array<uint32_t>("wp.is_token")};
        return std::make_unique<tok::WordPiece>(arrays, std::move(settings), vocab_size);
    }
    if (type == "BPE") {
        tok::Bpe::Options o;
        if (!model.at("unk_token").is_null()) o.unk_token = model.at("unk_token").get<std::string>();
        o.continuing_subword_prefix = model.at("continuing_subword_prefix").get<std::string>();
        o.end_of_word_suffix = model.at("end_of_word_suffix").get<std::string>();
        o.fuse_unk = model.at("fuse_unk").get<bool>();
        o.byte_fallback = model.at("byte_fallback").get<bool>();
        o.ignore_merges = model.at("ignore_merges").get<bool>();
        const tok::Bpe::Arrays arrays{reader.array<uint32_t>("bpe.offsets"), reader.text("bpe.bytes"),
                                      reader.array<int32_t>("bpe.ids"), reader.array<uint32_t>("bpe.token_slots"),
                                      reader.array<tok::Bpe::MergeSlot>("bpe.merge_slots")};
        return std::make_unique<tok::Bpe>(arrays, std::move(o), vocab_size);
    }
    if (type == "Unigram") {
        tok::Unigram::Options o;
        o.unk_id = model.at("unk_id").get<int32_t>();
        o.byte_fallback = model.at("byte_fallback").get<bool>();
        o.fuse_unk = model.at("fuse_unk").get<bool>();
        const tok::Unigram::Arrays arrays{reader.array<tok::Unigram::Node>("ug.nodes"), reader.array<uint32_t>("ug.dense"),
                                          reader.array<uint8_t>("ug.labels"), reader.array<uint32_t>("ug.targets"),
                                          reader.array<double>("ug.scores")};
        if (arrays.scores.size() > vocab_size) malformed("the Unigram model has more pieces than the vocabulary");
        return std::make_unique<tok::Unigram>(arrays, o);
    }
    malformed("model type " + model.at("type").dump() + " is not one this build reads");
}

}  // namespace

std::optional<std::string> compile_tokenizer(const TokenizerFiles& files) {
    tok::TokenizerParts parts = tok::build_parts(files);
    if (!has_compiled_form(parts)) return std::nullopt;
    json spec = parts.spec;
    spec["added_tokens"] = added_tokens_json(parts.added_tokens);
    spec["post_processor"] = post_processor_json(parts.post_processor);
    BlobWriter writer;
    std::vector<uint32_t> offsets;
    std::string bytes;
    parts.vocabulary->flatten(offsets, bytes);
    writer.add("vocab.offsets", std::span<const uint32_t>(offsets));
    writer.add("vocab.bytes", std::move(bytes));
    if (const auto* wordpiece = dynamic_cast<const tok::WordPiece*>(parts.model)) {
        const auto& settings = wordpiece->settings();
        spec["model"] = {{"type", "WordPiece"},
                         {"unk_id", settings.unk_id},
                         {"continuing_subword_prefix", settings.prefix},
                         {"max_input_chars_per_word", settings.max_input_chars_per_word},
                         {"suffix_root", settings.suffix_root},
                         {"suffix_root_id", settings.suffix_root_id}};
        const auto& a = wordpiece->arrays();
        writer.add("wp.nodes", a.nodes);
        writer.add("wp.edges", a.edges);
        writer.add("wp.dense", a.dense);
        writer.add("wp.pops", a.pops);
        writer.add("wp.is_token", a.is_token);
    } else if (const auto* unigram = dynamic_cast<const tok::Unigram*>(parts.model)) {
        const auto& o = unigram->options();
        spec["model"] = {{"type", "Unigram"}, {"unk_id", o.unk_id}, {"byte_fallback", o.byte_fallback}, {"fuse_unk", o.fuse_unk}};
        const auto& a = unigram->arrays();
        writer.add("ug.nodes", a.nodes);
        writer.add("ug.dense", a.dense);
        writer.add("ug.labels", a.labels);
        writer.add("ug.targets", a.targets);
        writer.add("ug.scores", a.scores);
    } else {
        const auto& bpe = dynamic_cast<const tok::Bpe&>(*parts.model);
        const auto& o = bpe.options();
        spec["model"] = {{"type", "BPE"},
                         {"unk_token", o.unk_token ? json(*o.unk_token) : json()},
                         {"continuing_subword_prefix", o.continuing_subword_prefix},
                         {"end_of_word_suffix", o.end_of_word_suffix},
                         {"fuse_unk", o.fuse_unk},
                         {"byte_fallback", o.byte_fallback},
                         {"ignore_merges", o.ignore_merges}};
        const auto& a = bpe.arrays();
        writer.add("bpe.offsets", a.offsets);
        writer.add("bpe.bytes", std::string(a.bytes));
        writer.add("bpe.ids", a.ids);
        writer.add("bpe.token_slots", a.token_slots);
        writer.add("bpe.merge_slots", a.merge_slots);
    }
    int charsmaps = 0;
    move_charsmaps_to_sections(spec["normalizer"], writer, charsmaps);
    writer.add("spec", spec.dump());
    return writer.finish();
}

std::unique_ptr<Tokenizer> load_compiled_tokenizer(std::span<const std::byte> blob, std::shared_ptr<const void> owner) {
    // Its arrays have elements of up to 8 bytes (the Unigram scores), each section at a multiple
    // of 8 from the blob's start. Elsewhere it is read from a copy.
    if (reinterpret_cast<uintptr_t>(blob.data()) % 8 != 0) {
        auto copy = std::make_shared<std::vector<uint64_t>>((blob.size() + 7) / 8);
        std::memcpy(copy->data(), blob.data(), blob.size());
        blob = std::as_bytes(std::span(*copy)).first(blob.size());
        owner = std::move(copy);
    }
    const auto reader = BlobReader::open(blob);
    if (!reader) return nullptr;
    try {
        const json spec = parse_bounded_json(reader->text("spec"), "compiled tokenizer: section 'spec'");
        if (!spec.is_object()) malformed("section 'spec' is not a JSON object");
        tok::TokenizerParts parts;
        parts.vocabulary = std::make_shared<tok::Vocabulary>(
            tok::Vocabulary::view(reader->array<uint32_t>("vocab.offsets"), reader->text("vocab.bytes")));
        const tok::SectionBytes sections = [&](const std::string& name) { return reader->text(name); };
        parts.encoder = std::make_unique<tok::PipelineSegmentEncoder>(tok::read_normalizer(spec.at("normalizer"), &sections),
                                                                      tok::read_pre_tokenizer(spec.at("pre_tokenizer")),
                                                                      read_model(*reader, spec.at("model"), parts.vocabulary->size()));
        parts.added_tokens = tok::read_added_tokens(spec.at("added_tokens"), nullptr);
        for (const auto& t : parts.added_tokens)
            if (t.id < 0 || static_cast<std::size_t>(t.id) >= parts.vocabulary->size())
                malformed("added token id " + std::to_string(t.id) + " is outside the vocabulary");
        parts.post_processor = tok::read_post_processor(spec.at("post_processor"));
        return std::make_unique<CompiledTokenizer>(std::move(owner), tok::assemble(std::move(parts)));
    } catch (const json::exception& e) {
        malformed(std::string("section 'spec': ") + e.what());
    } catch (const InputError& e) {
        const std::string what = e.what();
        if (what.starts_with("compiled tokenizer: ")) throw;
        malformed(what);
    }
}

std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerFiles& files, bool& compiled_form) {
    tok::TokenizerParts parts = tok::build_parts(files);
    compiled_form = has_compiled_form(parts);
    return tok::assemble(std::move(parts));
}

}  // namespace bertcls
