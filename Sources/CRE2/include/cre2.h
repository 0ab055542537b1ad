#ifndef CRE2_H
#define CRE2_H

/*
 * A pure-C view of RE2 (Debian's libre2-dev): compile a pattern once, then search texts with it from any
 * number of threads. RE2 runs in time linear in the text (no backtracking), so no input line can stall a
 * stage, whatever the pattern.
 *
 * Texts are UTF-8 bytes with a length (they may hold NUL); offsets are byte offsets into the text.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A compiled pattern. Immutable once compiled: searching it is thread-safe. */
typedef struct sluice_regex sluice_regex;

/*
 * Compiles `pattern` (RE2 syntax). Returns NULL when it does not compile, with RE2's reason copied into
 * `error` (NUL-terminated, cut to `error_capacity`).
 */
sluice_regex *sluice_regex_compile(const char *pattern, size_t length, char *error, size_t error_capacity);

void sluice_regex_free(sluice_regex *regex);

/* The number of capturing groups, not counting the whole match. */
int sluice_regex_group_count(const sluice_regex *regex);

/* The name of capturing group `index` (1-based), or NULL for an unnamed group. Valid while `regex` lives. */
const char *sluice_regex_group_name(const sluice_regex *regex, int index);

/*
 * Searches `text` for the leftmost match. Returns 1 when there is one, else 0. When `spans` is not NULL it
 * receives `2 * groups` byte offsets (start, end) for the whole match and the first `groups - 1` capturing
 * groups; a group that took no part in the match gets -1, -1.
 */
int sluice_regex_search(
    const sluice_regex *regex, const char *text, size_t length, int64_t *spans, int groups);

/*
 * Checks a rewrite string for sluice_regex_replace_all: `\0` to `\9` name groups, `\\` is a backslash.
 * Returns 1 when it is valid for `regex`, else 0 with the reason in `error`.
 */
int sluice_regex_check_rewrite(
    const sluice_regex *regex, const char *rewrite, size_t length, char *error, size_t error_capacity);

/*
 * Replaces every match in `text` with `rewrite` (checked with sluice_regex_check_rewrite). Returns a
 * malloc'd buffer the caller frees, its length in `result_length`; NULL when memory runs out.
 */
char *sluice_regex_replace_all(
    const sluice_regex *regex, const char *text, size_t length, const char *rewrite, size_t rewrite_length,
    size_t *result_length);

#ifdef __cplusplus
}
#endif

#endif
