// The simdjson DOM parser validates the whole text (structure, UTF-8, numbers) before we walk it, so a
// document either yields tokens or one precise error; its tape walk is cheap next to building values.
#include "csimdjson.h"

#include <cstring>
#include <new>
#include <simdjson.h>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// Numbers the keys met so far. Documents of one stream repeat their keys in the same order, so each key
// is first compared with the one at the same position (the n-th key of the document) last time: a hit
// costs one comparison. Keys that moved are found by hashing; only new keys are copied.
class KeyTable {
public:
    uint32_t generation() const { return generation_; }

    // Empties the table when it is full, so a stream of ever-new keys cannot grow it without bound.
    void bound() {
        if (texts_.size() < maximum_keys) return;
        texts_.clear();
        indices_.clear();
        by_position_.clear();
        ++generation_;
    }

    uint32_t index(size_t position, std::string_view key) {
        if (position < by_position_.size()) {
            const Slot &slot = by_position_[position];
            if (slot.size == key.size() && std::memcmp(slot.text, key.data(), key.size()) == 0) return slot.index;
        }
        // Map nodes never move, so the table can point at its keys.
        auto [entry, added] = indices_.try_emplace(std::string(key), static_cast<uint32_t>(texts_.size()));
        if (added) texts_.push_back(&entry->first);
        uint32_t found = entry->second;
        const std::string &text = entry->first;
        Slot slot{text.data(), text.size(), found};
        if (position < by_position_.size()) {
            by_position_[position] = slot;
        } else if (position == by_position_.size() && position < maximum_positions) {
            by_position_.push_back(slot);
        }
        return found;
    }

    const std::string &text(uint64_t index) const { return *texts_[index]; }

private:
    static constexpr size_t maximum_keys = 16 * 1024;
    static constexpr size_t maximum_positions = 1024;

    // A key seen at one position: its text (owned by `indices_`) and number.
    struct Slot {
        const char *text;
        size_t size;
        uint32_t index;
    };
    std::unordered_map<std::string, uint32_t> indices_;
    std::vector<const std::string *> texts_;
    std::vector<Slot> by_position_;
    uint32_t generation_ = 0;
};

}  // namespace

struct sluice_json_parser {
    simdjson::dom::parser parser;
    // A copy of a text whose too-large integers were rewritten as doubles (see widen_big_integers).
    std::string widened;
    KeyTable keys;
    // Per open container while walking a document: 1 for an object (see emit).
    std::vector<uint8_t> in_object;
};

namespace {

// Writes tokens while they fit and keeps counting after, so a caller can retry with the exact size.
class TokenWriter {
public:
    TokenWriter(sluice_json_token *tokens, size_t capacity, KeyTable &keys)
        : tokens_(tokens), capacity_(capacity), keys_(keys) {}

    sluice_json_token *next(uint32_t kind, uint32_t length) {
        size_t index = count_++;
        if (index >= capacity_) return &scratch_;
        sluice_json_token *token = &tokens_[index];
        token->kind = kind;
        token->length = length;
        return token;
    }

    void text(uint32_t kind, std::string_view text) {
        next(kind, static_cast<uint32_t>(text.size()))->value.text = text.data();
    }

    // Keys are numbered in document order, which is what the key table's position cache follows.
    void key(std::string_view key) {
        next(SLUICE_JSON_KEY, static_cast<uint32_t>(key.size()))->value.uint64 = keys_.index(key_position_++, key);
    }

    size_t count() const { return count_; }
    bool overflowed() const { return count_ > capacity_; }

private:
    sluice_json_token *tokens_;
    size_t capacity_;
    size_t count_ = 0;
    sluice_json_token scratch_{};
    KeyTable &keys_;
    size_t key_position_ = 0;
};

// Walks the document's tape (simdjson's documented DOM layout: one 64-bit word per value, its type in
// the top byte) in one loop, which costs a fraction of visiting it through dom::element. `in_object` has
// room for the parser's depth limit, which the parse has already enforced.
void emit(const simdjson::dom::document &document, TokenWriter &out, uint8_t *in_object) {
    const uint64_t *tape = document.tape.get();
    const uint8_t *strings = document.string_buf.get();
    // The opening root word points just past the closing root word, which ends the walk.
    const size_t end = static_cast<uint32_t>(tape[0]) - 1;
    size_t depth = 0;
    in_object[0] = 0;
    bool expect_key = false;
    size_t index = 1;
    while (index < end) {
        const uint64_t word = tape[index];
        const uint32_t count = static_cast<uint32_t>((word >> 32) & simdjson::internal::JSON_COUNT_MASK);
        switch (static_cast<char>(word >> 56)) {
        case '"': {
            const uint8_t *at = strings + (word & simdjson::internal::JSON_VALUE_MASK);
            uint32_t length;
            std::memcpy(&length, at, sizeof(length));
            std::string_view text(reinterpret_cast<const char *>(at + sizeof(length)), length);
            index += 1;
            if (expect_key) {
                out.key(text);
                expect_key = false;
                continue;
            }
            out.text(SLUICE_JSON_STRING, text);
            break;
        }
        case 'l':
            std::memcpy(&out.next(SLUICE_JSON_INT64, 0)->value.int64, &tape[index + 1], sizeof(int64_t));
            index += 2;
            break;
        case 'u':
            std::memcpy(&out.next(SLUICE_JSON_UINT64, 0)->value.uint64, &tape[index + 1], sizeof(uint64_t));
            index += 2;
            break;
        case 'd':
            std::memcpy(&out.next(SLUICE_JSON_DOUBLE, 0)->value.float64, &tape[index + 1], sizeof(double));
            index += 2;
            break;
        case 't':
        case 'f':
            out.next(SLUICE_JSON_BOOL, 0)->value.boolean = static_cast<char>(word >> 56) == 't' ? 1 : 0;
            index += 1;
            break;
        case 'n':
            out.next(SLUICE_JSON_NULL, 0);
            index += 1;
            break;
        case '{':
        case '[': {
            const bool object = static_cast<char>(word >> 56) == '{';
            out.next(object ? SLUICE_JSON_OBJECT : SLUICE_JSON_ARRAY, count);
            in_object[++depth] = object ? 1 : 0;
            expect_key = object;
            index += 1;
            continue;
        }
        default:  // '}' or ']'
            out.next(SLUICE_JSON_END, 0);
            --depth;
            index += 1;
            break;
        }
        // A value ended: inside an object, a key comes next.
        expect_key = in_object[depth] != 0;
    }
}

uint32_t classify(simdjson::error_code error) {
    switch (error) {
    case simdjson::SUCCESS: return SLUICE_JSON_OK;
    case simdjson::EMPTY: return SLUICE_JSON_ERROR_EMPTY;
    case simdjson::UTF8_ERROR: return SLUICE_JSON_ERROR_UTF8;
    case simdjson::STRING_ERROR: return SLUICE_JSON_ERROR_STRING;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return SLUICE_JSON_ERROR_NUMBER;
    case simdjson::DEPTH_ERROR: return SLUICE_JSON_ERROR_DEPTH;
    case simdjson::CAPACITY: return SLUICE_JSON_ERROR_TOO_LARGE;
    case simdjson::MEMALLOC:
    case simdjson::UNINITIALIZED:
    case simdjson::UNEXPECTED_ERROR: return SLUICE_JSON_ERROR_OTHER;
    default: return SLUICE_JSON_ERROR_SYNTAX;
    }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True when the decimal digits are a larger number than limit (both without leading zeros).
bool exceeds(const char *digits, size_t count, std::string_view limit) {
    if (count != limit.size()) return count > limit.size();
    return std::string_view(digits, count) > limit;
}

// simdjson's DOM parser rejects integers below INT64_MIN or above UINT64_MAX, where we want the nearest
// double. Appending "e0" to each such integer literal (outside strings) turns it into a double literal of
// the same value; every other token is copied unchanged. Returns the number of literals widened.
size_t widen_big_integers(const char *text, size_t length, std::string &out) {
    out.clear();
    size_t changed = 0;
    bool in_string = false;
    size_t i = 0;
    while (i < length) {
        char c = text[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < length) out.push_back(text[++i]);
            else if (c == '"') in_string = false;
            ++i;
            continue;
        }
        if (c == '"') in_string = true;
        if (c != '-' && !is_digit(c)) {
            out.push_back(c);
            ++i;
            continue;
        }
        size_t start = i;
        if (c == '-') ++i;
        size_t digits_start = i;
        while (i < length && is_digit(text[i])) ++i;
        size_t digits = i - digits_start;
        bool is_integer = i >= length || (text[i] != '.' && text[i] != 'e' && text[i] != 'E');
        std::string_view limit = c == '-' ? "9223372036854775808" : "18446744073709551615";
        out.append(text + start, i - start);
        if (is_integer && exceeds(text + digits_start, digits, limit)) {
            out.append("e0");
            ++changed;
        }
    }
    return changed;
}

}  // namespace

extern "C" sluice_json_parser *sluice_json_parser_create(size_t max_depth) {
    sluice_json_parser *parser = new (std::nothrow) sluice_json_parser;
    if (parser == nullptr) return nullptr;
    // The depth set here survives the parser's automatic growth for longer texts.
    try {
        parser->in_object.resize(max_depth + 2);
    } catch (const std::bad_alloc &) {
        delete parser;
        return nullptr;
    }
    if (parser->parser.allocate(4096, max_depth) != simdjson::SUCCESS) {
        delete parser;
        return nullptr;
    }
    return parser;
}

extern "C" void sluice_json_parser_destroy(sluice_json_parser *parser) { delete parser; }

extern "C" sluice_json_result sluice_json_parse(
    sluice_json_parser *parser, const char *text, size_t length, int padded, sluice_json_token *tokens,
    size_t capacity) {
    parser->keys.bound();
    sluice_json_result result{SLUICE_JSON_OK, simdjson::SUCCESS, 0, parser->keys.generation(), 0};
    simdjson::dom::element root;
    simdjson::error_code error = parser->parser.parse(text, length, padded == 0).get(root);
    if (error == simdjson::NUMBER_ERROR) {
        result.widened_integers = widen_big_integers(text, length, parser->widened);
        if (result.widened_integers > 0) {
            error = parser->parser.parse(parser->widened.data(), parser->widened.size(), true).get(root);
        }
    }
    if (error != simdjson::SUCCESS) {
        result.status = classify(error);
        result.simdjson_error = error;
        return result;
    }
    TokenWriter out(tokens, capacity, parser->keys);
    emit(parser->parser.doc, out, parser->in_object.data());
    result.token_count = out.count();
    if (out.overflowed()) result.status = SLUICE_JSON_ERROR_TOKEN_CAPACITY;
    return result;
}

extern "C" const char *sluice_json_key_text(const sluice_json_parser *parser, uint64_t index, size_t *length) {
    const std::string &text = parser->keys.text(index);
    *length = text.size();
    return text.data();
}

extern "C" const char *sluice_json_error_text(int32_t simdjson_error) {
    return simdjson::error_message(static_cast<simdjson::error_code>(simdjson_error));
}
