// The simdjson DOM parser validates the whole text (structure, UTF-8, numbers) before we walk it, so a
// document either yields tokens or one precise error; its tape walk is cheap next to building values.
#include "csimdjson.h"

#include <new>
#include <simdjson.h>
#include <string>

struct sluice_json_parser {
    simdjson::dom::parser parser;
    // A copy of a text whose too-large integers were rewritten as doubles (see widen_big_integers).
    std::string widened;
};

namespace {

// Writes tokens while they fit and keeps counting after, so a caller can retry with the exact size.
class TokenWriter {
public:
    TokenWriter(sluice_json_token *tokens, size_t capacity) : tokens_(tokens), capacity_(capacity) {}

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

    size_t count() const { return count_; }
    bool overflowed() const { return count_ > capacity_; }

private:
    sluice_json_token *tokens_;
    size_t capacity_;
    size_t count_ = 0;
    sluice_json_token scratch_{};
};

// Recursion is bounded by the parser's depth limit, which the parse has already enforced.
void emit(simdjson::dom::element element, TokenWriter &out) {
    using simdjson::dom::element_type;
    switch (element.type()) {
    case element_type::OBJECT: {
        simdjson::dom::object object = element.get_object().value_unsafe();
        out.next(SLUICE_JSON_OBJECT, static_cast<uint32_t>(object.size()));
        for (simdjson::dom::key_value_pair member : object) {
            out.text(SLUICE_JSON_KEY, member.key);
            emit(member.value, out);
        }
        out.next(SLUICE_JSON_END, 0);
        break;
    }
    case element_type::ARRAY: {
        simdjson::dom::array array = element.get_array().value_unsafe();
        out.next(SLUICE_JSON_ARRAY, static_cast<uint32_t>(array.size()));
        for (simdjson::dom::element item : array) emit(item, out);
        out.next(SLUICE_JSON_END, 0);
        break;
    }
    case element_type::STRING:
        out.text(SLUICE_JSON_STRING, element.get_string().value_unsafe());
        break;
    case element_type::INT64:
        out.next(SLUICE_JSON_INT64, 0)->value.int64 = element.get_int64().value_unsafe();
        break;
    case element_type::UINT64:
        out.next(SLUICE_JSON_UINT64, 0)->value.uint64 = element.get_uint64().value_unsafe();
        break;
    case element_type::DOUBLE:
        out.next(SLUICE_JSON_DOUBLE, 0)->value.float64 = element.get_double().value_unsafe();
        break;
    case element_type::BOOL:
        out.next(SLUICE_JSON_BOOL, 0)->value.boolean = element.get_bool().value_unsafe() ? 1 : 0;
        break;
    case element_type::NULL_VALUE:
        out.next(SLUICE_JSON_NULL, 0);
        break;
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
// the same value; every other token is copied unchanged. Returns false when nothing changed.
bool widen_big_integers(const char *text, size_t length, std::string &out) {
    out.clear();
    bool changed = false;
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
            changed = true;
        }
    }
    return changed;
}

}  // namespace

extern "C" sluice_json_parser *sluice_json_parser_create(size_t max_depth) {
    sluice_json_parser *parser = new (std::nothrow) sluice_json_parser;
    if (parser == nullptr) return nullptr;
    // The depth set here survives the parser's automatic growth for longer texts.
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
    sluice_json_result result{SLUICE_JSON_OK, simdjson::SUCCESS, 0};
    simdjson::dom::element root;
    simdjson::error_code error = parser->parser.parse(text, length, padded == 0).get(root);
    if (error == simdjson::NUMBER_ERROR && widen_big_integers(text, length, parser->widened)) {
        error = parser->parser.parse(parser->widened.data(), parser->widened.size(), true).get(root);
    }
    if (error != simdjson::SUCCESS) {
        result.status = classify(error);
        result.simdjson_error = error;
        return result;
    }
    TokenWriter out(tokens, capacity);
    emit(root, out);
    result.token_count = out.count();
    if (out.overflowed()) result.status = SLUICE_JSON_ERROR_TOKEN_CAPACITY;
    return result;
}

extern "C" const char *sluice_json_error_text(int32_t simdjson_error) {
    return simdjson::error_message(static_cast<simdjson::error_code>(simdjson_error));
}
