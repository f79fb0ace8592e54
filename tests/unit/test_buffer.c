/* Tests for buffer_append and buffer_printf, at and past the limit. */
#include <string.h>

#include "buffer.h"
#include "check.h"

/* A text of len 'a's, for lengths around buffer_printf's first pass. */
static const char *
letters(size_t len)
{
    static char text[2048];

    memset(text, 'a', len);
    text[len] = '\0';
    return text;
}

static void
test_printf(void)
{
    static const size_t lengths[] = {0, 1, 254, 255, 256, 257, 1000};
    struct buffer buf;
    size_t i;

    for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        check_case("buffer_printf of %zu bytes after a prefix", lengths[i]);
        buffer_init(&buf, 4096);
        CHECK_INT(buffer_append_str(&buf, "x="), 0);
        CHECK_INT(buffer_printf(&buf, "%s;%d", letters(lengths[i]), 42), 0);
        CHECK_INT(buf.len, lengths[i] + 5);
        CHECK(strncmp(buf.data, "x=", 2) == 0);
        CHECK(strspn(buf.data + 2, "a") == lengths[i]);
        CHECK_STR(buf.data + 2 + lengths[i], ";42");
        buffer_release(&buf);
    }
}

static void
test_limit(void)
{
    struct buffer buf;

    check_case("buffer_printf that fills the limit exactly");
    buffer_init(&buf, 300);
    CHECK_INT(buffer_printf(&buf, "%s", letters(300)), 0);
    CHECK_INT(buf.len, 300);

    check_case("buffer_printf past the limit, short text");
    CHECK_INT(buffer_printf(&buf, "%d", 7), -1);
    CHECK_INT(buf.len, 300);
    CHECK_INT(strlen(buf.data), 300);
    buffer_release(&buf);

    check_case("buffer_printf past the limit, long text");
    buffer_init(&buf, 600);
    CHECK_INT(buffer_append_str(&buf, letters(100)), 0);
    CHECK_INT(buffer_printf(&buf, "%s", letters(501)), -1);
    CHECK_INT(buf.len, 100);
    CHECK_INT(strlen(buf.data), 100);

    check_case("buffer_append after a failed one");
    CHECK_INT(buffer_append(&buf, "bc", 2), 0);
    CHECK_INT(buf.len, 102);
    CHECK_STR(buf.data + 100, "bc");
    buffer_release(&buf);
}

int
main(void)
{
    test_printf();
    test_limit();
    return check_summary("test_buffer");
}
