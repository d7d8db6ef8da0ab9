// read_sentencepiece_model(): the few fields of sentencepiece_model.proto the conversion needs,
// decoded from the protobuf wire format (libsentencepiece does not expose the ModelProto
// without libprotobuf's generated headers, which Debian does not ship).
#include <cstring>

#include "tokenizer/loaders/sentencepiece.h"
#include "util/error.h"

namespace bertcls::tok {

namespace {

class Reader {
public:
    Reader(std::string_view data, const std::string& name) : data_(data), name_(name) {}
    bool done() const { return pos_ >= data_.size(); }
    uint64_t varint() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= data_.size()) fail();
            const auto b = static_cast<unsigned char>(data_[pos_++]);
            value |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        fail();
    }
    std::string_view bytes(std::size_t n) {
        if (n > data_.size() - pos_) fail();
        const std::string_view out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    // Reads one field key; the value must then be read or skipped.
    void key(uint32_t& field, uint32_t& wire) {
        const uint64_t k = varint();
        field = static_cast<uint32_t>(k >> 3);
        wire = static_cast<uint32_t>(k & 7);
    }
    std::string_view length_delimited() { return bytes(static_cast<std::size_t>(varint())); }
    float fixed32_float() {
        const std::string_view b = bytes(4);
        float f;
        std::memcpy(&f, b.data(), 4);
        return f;
    }
    void skip(uint32_t wire) {
        switch (wire) {
            case 0: varint(); break;
            case 1: bytes(8); break;
            case 2: length_delimited(); break;
            case 5: bytes(4); break;
            default: fail();
        }
    }
    [[noreturn]] void fail() const { throw InputError(name_ + " is not a valid SentencePiece model (bad protobuf)"); }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
    const std::string& name_;
};

}  // namespace

SentencePieceModel read_sentencepiece_model(const std::string& bytes, const std::string& name) {
    SentencePieceModel model;
    Reader r(bytes, name);
    uint32_t field, wire;
    while (!r.done()) {
        r.key(field, wire);
        if (field == 1 && wire == 2) {  // repeated SentencePiece pieces
            Reader p(r.length_delimited(), name);
            SentencePieceModel::Piece piece;
            while (!p.done()) {
                p.key(field, wire);
                if (field == 1 && wire == 2) piece.piece = std::string(p.length_delimited());
                else if (field == 2 && wire == 5) piece.score = p.fixed32_float();
                else if (field == 3 && wire == 0) piece.type = static_cast<SentencePieceModel::Type>(p.varint());
                else p.skip(wire);
            }
            model.pieces.push_back(std::move(piece));
        } else if (field == 2 && wire == 2) {  // TrainerSpec
            Reader t(r.length_delimited(), name);
            while (!t.done()) {
                t.key(field, wire);
                if (field == 3 && wire == 0) model.model_type = static_cast<int>(t.varint());
                else if (field == 35 && wire == 0) model.byte_fallback = t.varint() != 0;
                else if (field == 40 && wire == 0) model.unk_id = static_cast<int32_t>(t.varint());
                else t.skip(wire);
            }
        } else if (field == 3 && wire == 2) {  // NormalizerSpec
            Reader n(r.length_delimited(), name);
            while (!n.done()) {
                n.key(field, wire);
                if (field == 2 && wire == 2) model.precompiled_charsmap = std::string(n.length_delimited());
                else if (field == 3 && wire == 0) model.add_dummy_prefix = n.varint() != 0;
                else n.skip(wire);
            }
        } else {
            r.skip(wire);
        }
    }
    if (model.pieces.empty()) throw InputError(name + " holds no SentencePiece pieces");
    return model;
}

}  // namespace bertcls::tok
