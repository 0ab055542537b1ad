#ifndef CSIMDJSON_H
#define CSIMDJSON_H

/*
 * A pure-C view of simdjson (3.0.1, DOM parser): one call parses one JSON text and flattens it into a
 * caller-provided array of tokens in document order, so Swift can build values without C++ interop.
 *
 * A container is written as its begin token (OBJECT or ARRAY, with its member or element count), then
 * its contents (objects: KEY then the value, per member), then an END token. Strings point into the
 * parser's own buffer, unescaped and validated as UTF-8; they stay valid until the next parse with the
 * same parser or until it is destroyed.
 *
 * Keys are numbered instead: the parser keeps a table of the keys it has met, so a stream of documents
 * with the same keys costs one comparison per key (against the key seen at the same position of the
 * previous document) and the caller maps each key number to its own name once.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of token. */
typedef enum {
    SLUICE_JSON_OBJECT = 1, /* length: member count */
    SLUICE_JSON_ARRAY = 2,  /* length: element count */
    SLUICE_JSON_END = 3,    /* closes the innermost OBJECT or ARRAY */
    SLUICE_JSON_KEY = 4,    /* value.uint64: the key's number (sluice_json_key_text); length: its bytes */
    SLUICE_JSON_STRING = 5, /* value.text, length bytes */
    SLUICE_JSON_INT64 = 6,  /* value.int64 */
    SLUICE_JSON_UINT64 = 7, /* value.uint64; only for integers above INT64_MAX */
    SLUICE_JSON_DOUBLE = 8, /* value.float64 */
    SLUICE_JSON_BOOL = 9,   /* value.boolean: 0 or 1 */
    SLUICE_JSON_NULL = 10,
} sluice_json_kind;

/* One token: 16 bytes. */
typedef struct {
    uint32_t kind;   /* a sluice_json_kind */
    uint32_t length; /* see sluice_json_kind */
    union {
        const char *text;
        int64_t int64;
        uint64_t uint64;
        double float64;
        uint8_t boolean;
    } value;
} sluice_json_token;

/* Why a parse failed. */
typedef enum {
    SLUICE_JSON_OK = 0,
    SLUICE_JSON_ERROR_EMPTY = 1,           /* no JSON text (empty or only whitespace) */
    SLUICE_JSON_ERROR_SYNTAX = 2,          /* malformed JSON, including trailing content */
    SLUICE_JSON_ERROR_UTF8 = 3,            /* the text is not valid UTF-8 */
    SLUICE_JSON_ERROR_STRING = 4,          /* a bad escape, such as a lone surrogate */
    SLUICE_JSON_ERROR_NUMBER = 5,          /* a malformed or out-of-range number */
    SLUICE_JSON_ERROR_DEPTH = 6,           /* nested deeper than the parser's depth limit */
    SLUICE_JSON_ERROR_TOO_LARGE = 7,       /* the text exceeds what the parser can hold */
    SLUICE_JSON_ERROR_TOKEN_CAPACITY = 8,  /* the token array is too small; token_count says how many */
    SLUICE_JSON_ERROR_OTHER = 9,           /* out of memory or an internal error */
} sluice_json_status;

/* The outcome of sluice_json_parse. */
typedef struct {
    uint32_t status;        /* a sluice_json_status */
    int32_t simdjson_error; /* simdjson's own error code, for sluice_json_error_text */
    size_t token_count;     /* tokens written, or, on SLUICE_JSON_ERROR_TOKEN_CAPACITY, tokens needed */
    uint32_t key_generation; /* changes when the key table was emptied (it is bounded): forget key numbers */
    size_t widened_integers; /* integer literals below INT64_MIN or above UINT64_MAX, read as doubles */
} sluice_json_result;

/* A reusable parser; not thread-safe. */
typedef struct sluice_json_parser sluice_json_parser;

/* Bytes the parser may read past the end of the text when the caller says the input is padded. */
#define SLUICE_JSON_PADDING 64

/* A parser that rejects documents nested deeper than max_depth arrays and objects; NULL when out of memory. */
sluice_json_parser *sluice_json_parser_create(size_t max_depth);

void sluice_json_parser_destroy(sluice_json_parser *parser);

/*
 * Parses length bytes at text into at most capacity tokens. When padded is nonzero, the caller promises
 * that SLUICE_JSON_PADDING readable bytes follow the text, which saves a copy.
 */
sluice_json_result sluice_json_parse(
    sluice_json_parser *parser, const char *text, size_t length, int padded, sluice_json_token *tokens,
    size_t capacity);

/*
 * The text of key number `index` (as given by a KEY token of the current key generation), length bytes
 * of UTF-8; valid until the key table is emptied or the parser destroyed.
 */
const char *sluice_json_key_text(const sluice_json_parser *parser, uint64_t index, size_t *length);

/* simdjson's description of one of its error codes (a static string). */
const char *sluice_json_error_text(int32_t simdjson_error);

#ifdef __cplusplus
}
#endif

#endif
