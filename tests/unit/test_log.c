/* Tests for log_escape_controls. */
#include <string.h>

#include "check.h"
#include "log.h"

struct escape_case {
    const char *name;
    const char *input;
    size_t out_size;
    const char *expected;
};

static const struct escape_case escape_cases[] = {
    {"plain ASCII", "template folder '/srv/x'", 64,
     "template folder '/srv/x'"},
    {"empty", "", 64, ""},
    {"newline and carriage return", "a\nb\rc", 64, "a\\x0ab\\x0dc"},
    {"escape and DEL", "\x1b[2J\x7f", 64, "\\x1b[2J\\x7f"},
    {"backslash stays", "a\\x0ab", 64, "a\\x0ab"},
    {"two-byte letter", "caf\xc3\xa9", 64, "caf\xc3\xa9"},
    {"three-byte letters", "\xe6\x97\xa5\xe6\x9c\xac", 64,
     "\xe6\x97\xa5\xe6\x9c\xac"},
    {"four-byte character", "\xf0\x9f\x93\xa7", 64, "\xf0\x9f\x93\xa7"},
    {"highest code point", "\xf4\x8f\xbf\xbf", 64, "\xf4\x8f\xbf\xbf"},
    {"no-break space, first after C1", "\xc2\xa0", 64, "\xc2\xa0"},
    {"C1 control CSI", "a\xc2\x9b" "2J", 64, "a\\xc2\\x9b2J"},
    {"C1 control NEL", "\xc2\x85", 64, "\\xc2\\x85"},
    {"raw C1 byte", "a\x9b" "2J", 64, "a\\x9b2J"},
    {"line separator", "a\xe2\x80\xa8" "b", 64, "a\\xe2\\x80\\xa8b"},
    {"paragraph separator", "\xe2\x80\xa9", 64, "\\xe2\\x80\\xa9"},
    {"right-to-left override", "x\xe2\x80\xae" "lmx.exe", 64,
     "x\\xe2\\x80\\xaelmx.exe"},
    {"right-to-left mark", "\xe2\x80\x8f", 64, "\\xe2\\x80\\x8f"},
    {"arabic letter mark", "\xd8\x9c", 64, "\\xd8\\x9c"},
    {"first isolate", "\xe2\x81\xa8", 64, "\\xe2\\x81\\xa8"},
    {"byte order mark", "'\xef\xbb\xbf'", 64, "'\\xef\\xbb\\xbf'"},
    {"lone continuation byte", "a\x80" "b", 64, "a\\x80b"},
    {"overlong slash", "\xc0\xaf", 64, "\\xc0\\xaf"},
    {"overlong three bytes", "\xe0\x80\xaf", 64, "\\xe0\\x80\\xaf"},
    {"overlong four bytes", "\xf0\x80\x80\xaf", 64, "\\xf0\\x80\\x80\\xaf"},
    {"surrogate", "\xed\xa0\x80", 64, "\\xed\\xa0\\x80"},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 64, "\\xf4\\x90\\x80\\x80"},
    {"byte 0xff", "\xff", 64, "\\xff"},
    {"sequence cut by the end", "a\xe6\x97", 64, "a\\xe6\\x97"},
    {"sequence cut by ASCII", "\xe6" "a", 64, "\\xe6a"},
    {"lead byte then a new lead", "\xc3\xc3\xa9", 64, "\\xc3\xc3\xa9"},
    /* Cut to fit: out_size counts the NUL. */
    {"cut before a letter", "ab\xc3\xa9", 4, "ab"},
    {"letter that fits", "ab\xc3\xa9", 5, "ab\xc3\xa9"},
    {"cut before an escape", "ab\n", 6, "ab"},
    {"escape that fits", "ab\n", 7, "ab\\x0a"},
    {"room for the NUL only", "abc", 1, ""},
};

static void
test_escape(void)
{
    size_t i;

    for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
        const struct escape_case *c = &escape_cases[i];
        /* Bytes past out_size stay 'X', so that writes past it show. */
        char out[80];
        size_t len;

        check_case("log_escape_controls: %s", c->name);
        memset(out, 'X', sizeof(out));
        out[sizeof(out) - 1] = '\0';
        len = log_escape_controls(out, c->out_size, c->input);
        CHECK_STR(out, c->expected);
        CHECK_INT(len, strlen(c->expected));
        CHECK(out[c->out_size] == 'X');
    }
}

int
main(void)
{
    test_escape();
    return check_summary("test_log");
}
