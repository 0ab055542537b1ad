// The C API of include/cre2.h over RE2's C++ API.
#include "cre2.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

struct sluice_regex {
    re2::RE2 *re;
    // Index i holds group i's name; empty for unnamed groups (and for index 0, the whole match).
    std::vector<std::string> names;
};

static void write_spans(const re2::StringPiece *found, int groups, const char *text, int64_t *spans);

static void copy_error(const std::string &message, char *error, size_t capacity) {
    if (error == nullptr || capacity == 0) return;
    size_t count = message.size() < capacity - 1 ? message.size() : capacity - 1;
    std::memcpy(error, message.data(), count);
    error[count] = '\0';
}

extern "C" sluice_regex *sluice_regex_compile(const char *pattern, size_t length, char *error, size_t capacity) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    re2::RE2 *re = nullptr;
    try {
        re = new re2::RE2(re2::StringPiece(pattern, length), options);
    } catch (...) {
        copy_error("out of memory", error, capacity);
        return nullptr;
    }
    if (!re->ok()) {
        copy_error(re->error(), error, capacity);
        delete re;
        return nullptr;
    }
    sluice_regex *regex = new (std::nothrow) sluice_regex;
    if (regex == nullptr) {
        delete re;
        copy_error("out of memory", error, capacity);
        return nullptr;
    }
    regex->re = re;
    regex->names.resize(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1);
    for (const auto &entry : re->CapturingGroupNames()) regex->names[entry.first] = entry.second;
    return regex;
}

extern "C" void sluice_regex_free(sluice_regex *regex) {
    if (regex == nullptr) return;
    delete regex->re;
    delete regex;
}

extern "C" int sluice_regex_group_count(const sluice_regex *regex) { return regex->re->NumberOfCapturingGroups(); }

extern "C" const char *sluice_regex_group_name(const sluice_regex *regex, int index) {
    if (index <= 0 || static_cast<size_t>(index) >= regex->names.size()) return nullptr;
    const std::string &name = regex->names[index];
    return name.empty() ? nullptr : name.c_str();
}

extern "C" int sluice_regex_search(
    const sluice_regex *regex, const char *text, size_t length, int64_t *spans, int groups) {
    re2::StringPiece input(text, length);
    try {
        if (spans == nullptr || groups <= 0) {
            return regex->re->Match(input, 0, length, re2::RE2::UNANCHORED, nullptr, 0) ? 1 : 0;
        }
        // Most patterns have a few groups: keep their pieces on the stack.
        re2::StringPiece onStack[16];
        std::vector<re2::StringPiece> onHeap;
        re2::StringPiece *found = onStack;
        if (groups > 16) {
            onHeap.resize(static_cast<size_t>(groups));
            found = onHeap.data();
        }
        if (!regex->re->Match(input, 0, length, re2::RE2::UNANCHORED, found, groups)) return 0;
        write_spans(found, groups, text, spans);
        return 1;
    } catch (...) {
        return 0;
    }
}

static void write_spans(const re2::StringPiece *found, int groups, const char *text, int64_t *spans) {
    for (int index = 0; index < groups; index++) {
        const re2::StringPiece &piece = found[index];
        if (piece.data() == nullptr) {
            spans[2 * index] = -1;
            spans[2 * index + 1] = -1;
        } else {
            spans[2 * index] = piece.data() - text;
            spans[2 * index + 1] = piece.data() - text + static_cast<int64_t>(piece.size());
        }
    }
}

extern "C" int sluice_regex_check_rewrite(
    const sluice_regex *regex, const char *rewrite, size_t length, char *error, size_t capacity) {
    std::string reason;
    if (regex->re->CheckRewriteString(re2::StringPiece(rewrite, length), &reason)) return 1;
    copy_error(reason, error, capacity);
    return 0;
}

extern "C" char *sluice_regex_replace_all(
    const sluice_regex *regex, const char *text, size_t length, const char *rewrite, size_t rewrite_length,
    size_t *result_length) {
    try {
        std::string result(text, length);
        re2::RE2::GlobalReplace(&result, *regex->re, re2::StringPiece(rewrite, rewrite_length));
        char *buffer = static_cast<char *>(std::malloc(result.size() + 1));
        if (buffer == nullptr) return nullptr;
        std::memcpy(buffer, result.data(), result.size());
        buffer[result.size()] = '\0';
        *result_length = result.size();
        return buffer;
    } catch (...) {
        return nullptr;
    }
}
