#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "memory.h"

#define TEMPLATE_FILE_MAX (1024 * 1024)
#define TEMPLATE_DEPTH_MAX 16
#define TEMPLATE_NAME_MAX 64
/*
 * Node visits one render may make. Nested sections over arrays multiply,
 * and sections that write nothing never fill the output buffer, so this
 * bound is what ends a template like twelve nested {{#servers}}.
 */
#define TEMPLATE_STEPS_MAX 1000000

enum node_kind { NODE_TEXT, NODE_VALUE, NODE_SECTION, NODE_INVERTED };

enum filter { FILTER_NONE, FILTER_UPPER, FILTER_ONOFF };

struct node {
    enum node_kind kind;
    enum filter filter;
    const char *text; /* NODE_TEXT: the bytes; otherwise the name */
    size_t len;
    size_t end; /* sections: index of the node after the section */
};

struct template
{
    enum template_format format;
    unsigned char escaped[256]; /* nonzero for each byte escape_for replaces */
    char *source;               /* owns the bytes that nodes point into */
    struct node *nodes;
    size_t count;
};

/* A looked-up value: a JSON value or a request variable, or neither. */
struct value {
    const json_t *json;
    const char *str;
    enum template_expansion expansion; /* of str */
};

struct render_state {
    const struct template *tmpl;
    const struct template_context *ctx;
    const json_t *scopes[TEMPLATE_DEPTH_MAX + 1];
    size_t depth;
    unsigned long steps;
    struct buffer *out;
};

/*
 * Returns the replacement of a byte that a format escapes, or NULL for a
 * byte written as it is. In JSON, control characters, '<', '>' and '&'
 * become \u00XX escapes.
 */
static const char *
escape_for(enum template_format format, unsigned char c, char unicode[7])
{
    static const char hex[] = "0123456789abcdef";

    if (format == TEMPLATE_XML) {
        switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&apos;";
        default:
            return NULL;
        }
    }
    if (c == '"')
        return "\\\"";
    if (c == '\\')
        return "\\\\";
    if (c >= 0x20 && c != '<' && c != '>' && c != '&')
        return NULL;
    memcpy(unicode, "\\u00", 4);
    unicode[4] = hex[c >> 4];
    unicode[5] = hex[c & 15];
    unicode[6] = '\0';
    return unicode;
}

static int
line_of(const char *text, const char *at)
{
    int line = 1;

    for (; text < at; text++) {
        if (*text == '\n')
            line++;
    }
    return line;
}

static int
add_node(struct template *tmpl, size_t *cap, enum node_kind kind,
         const char *text, size_t len)
{
    struct node *node;

    if (tmpl->count == *cap) {
        size_t new_cap = *cap == 0 ? 32 : *cap * 2;
        struct node *nodes =
            memory_realloc(tmpl->nodes, new_cap * sizeof(*nodes));

        if (nodes == NULL)
            return -1;
        tmpl->nodes = nodes;
        *cap = new_cap;
    }
    node = &tmpl->nodes[tmpl->count++];
    node->kind = kind;
    node->filter = FILTER_NONE;
    node->text = text;
    node->len = len;
    node->end = 0;
    return 0;
}

static int
valid_name(const char *name, size_t len)
{
    size_t i;

    if (len == 1 && name[0] == '.')
        return 1;
    if (len == 0 || len > TEMPLATE_NAME_MAX)
        return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

static int
parse_filter(const char *name, size_t len, enum filter *filter)
{
    if (len == 5 && memcmp(name, "upper", 5) == 0)
        *filter = FILTER_UPPER;
    else if (len == 5 && memcmp(name, "onoff", 5) == 0)
        *filter = FILTER_ONOFF;
    else
        return -1;
    return 0;
}

/*
 * Returns the position after a standalone tag's line, or NULL when the
 * tag at open..close shares its line with other text. *line_start is set
 * to the start of the tag's line.
 */
static const char *
standalone_end(const char *text, const char *min, const char *open,
               const char *close, const char **line_start)
{
    const char *p = open;

    while (p > min && (p[-1] == ' ' || p[-1] == '\t'))
        p--;
    if (p != text && p[-1] != '\n')
        return NULL;
    if (p == min && p != text && min[-1] != '\n')
        return NULL;
    *line_start = p;

    p = close;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\r' && p[1] == '\n')
        return p + 2;
    if (*p == '\n')
        return p + 1;
    if (*p == '\0')
        return p;
    return NULL;
}

static void
trim(char **start, char **end)
{
    while (*start < *end && (**start == ' ' || **start == '\t'))
        (*start)++;
    while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
}

static int
parse_tags(struct template *tmpl, const char *name, char *err, size_t err_size)
{
    char *text = tmpl->source;
    char *pos = text;
    size_t cap = 0, stack[TEMPLATE_DEPTH_MAX], depth = 0;

    for (;;) {
        char *open = strstr(pos, "{{"), *close, *start, *end, *bar;
        const char *line_start, *after;
        char sigil;
        enum node_kind kind;

        if (open == NULL)
            break;
        close = strstr(open + 2, "}}");
        if (close == NULL) {
            snprintf(err, err_size, "%s:%d: unclosed tag", name,
                     line_of(text, open));
            return -1;
        }
        start = open + 2;
        end = close;
        trim(&start, &end);
        sigil = start < end ? *start : '\0';
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
            start++;
            trim(&start, &end);
        }

        after = NULL;
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!')
            after = standalone_end(text, pos, open, close + 2, &line_start);
        if (after == NULL)
            line_start = open;
        if (line_start > pos && add_node(tmpl, &cap, NODE_TEXT, pos,
                                         (size_t)(line_start - pos)) == -1)
            goto nomem;
        pos = after != NULL ? (char *)after : close + 2;
        if (sigil == '!')
            continue;

        bar = memchr(start, '|', (size_t)(end - start));
        if (bar != NULL) {
            char *filter_start = bar + 1, *filter_end = end;
            enum filter filter;

            trim(&filter_start, &filter_end);
            if (sigil == '#' || sigil == '^' || sigil == '/') {
                snprintf(err, err_size, "%s:%d: a filter needs a value tag",
                         name, line_of(text, open));
                return -1;
            }
            if (parse_filter(filter_start, (size_t)(filter_end - filter_start),
                             &filter) == -1) {
                snprintf(err, err_size, "%s:%d: unknown filter '%.*s'", name,
                         line_of(text, open), (int)(filter_end - filter_start),
                         filter_start);
                return -1;
            }
            end = bar;
            trim(&start, &end);
            if (add_node(tmpl, &cap, NODE_VALUE, start,
                         (size_t)(end - start)) == -1)
                goto nomem;
            tmpl->nodes[tmpl->count - 1].filter = filter;
        }
        if (!valid_name(start, (size_t)(end - start))) {
            snprintf(err, err_size, "%s:%d: invalid name '%.*s'", name,
                     line_of(text, open), (int)(end - start), start);
            return -1;
        }
        *end = '\0';
        if (bar != NULL)
            continue;

        if (sigil == '/') {
            struct node *section;

            if (depth == 0) {
                snprintf(err, err_size, "%s:%d: '%s' closes no section", name,
                         line_of(text, open), start);
                return -1;
            }
            section = &tmpl->nodes[stack[--depth]];
            if (strcmp(section->text, start) != 0) {
                snprintf(err, err_size,
                         "%s:%d: '%s' closes section '%s' opened before it",
                         name, line_of(text, open), start, section->text);
                return -1;
            }
            section->end = tmpl->count;
            continue;
        }

        kind = sigil == '#'   ? NODE_SECTION
               : sigil == '^' ? NODE_INVERTED
                              : NODE_VALUE;
        if (add_node(tmpl, &cap, kind, start, (size_t)(end - start)) == -1)
            goto nomem;
        if (kind != NODE_VALUE) {
            if (depth == TEMPLATE_DEPTH_MAX) {
                snprintf(err, err_size, "%s:%d: sections nested too deeply",
                         name, line_of(text, open));
                return -1;
            }
            stack[depth++] = tmpl->count - 1;
        }
    }

    if (depth > 0) {
        struct node *section = &tmpl->nodes[stack[depth - 1]];

        snprintf(err, err_size, "%s:%d: unclosed section '%s'", name,
                 line_of(text, section->text), section->text);
        return -1;
    }
    if (*pos != '\0' && add_node(tmpl, &cap, NODE_TEXT, pos, strlen(pos)) == -1)
        goto nomem;
    return 0;

nomem:
    snprintf(err, err_size, "%s: out of memory", name);
    return -1;
}

int
template_parse(const char *name, const char *text, size_t len,
               enum template_format format, struct template **out, char *err,
               size_t err_size)
{
    struct template *tmpl;
    char unicode[7];
    unsigned int byte;

    if (memchr(text, '\0', len) != NULL) {
        snprintf(err, err_size, "%s: contains a NUL byte", name);
        return -1;
    }
    tmpl = memory_malloc(sizeof(*tmpl));
    if (tmpl == NULL) {
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    tmpl->format = format;
    for (byte = 0; byte < 256; byte++)
        tmpl->escaped[byte] =
            escape_for(format, (unsigned char)byte, unicode) != NULL;
    tmpl->nodes = NULL;
    tmpl->count = 0;
    tmpl->source = memory_malloc(len + 1);
    if (tmpl->source == NULL) {
        memory_free(tmpl);
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    memcpy(tmpl->source, text, len);
    tmpl->source[len] = '\0';

    if (parse_tags(tmpl, name, err, err_size) == -1) {
        template_free(tmpl);
        return -1;
    }
    *out = tmpl;
    return 0;
}

int
template_load(const char *dir, const char *file_name, struct template **out,
              char *err, size_t err_size)
{
    char path[4096];
    char *text = NULL;
    size_t len;
    FILE *file;
    enum template_format format = TEMPLATE_XML;
    size_t name_len = strlen(file_name);
    int rc = -1;

    if (name_len > 5 && strcmp(file_name + name_len - 5, ".json") == 0)
        format = TEMPLATE_JSON;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file_name) >=
        sizeof(path)) {
        snprintf(err, err_size, "%s: path too long", file_name);
        return -1;
    }

    file = file_open_regular(path, err, err_size);
    if (file == NULL)
        return -1;
    text = memory_malloc(TEMPLATE_FILE_MAX + 1);
    if (text == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        goto done;
    }
    len = fread(text, 1, TEMPLATE_FILE_MAX + 1, file);
    if (ferror(file)) {
        snprintf(err, err_size, "%s: read failed: %s", path, strerror(errno));
        goto done;
    }
    if (len > TEMPLATE_FILE_MAX) {
        snprintf(err, err_size, "%s: larger than %d bytes", path,
                 TEMPLATE_FILE_MAX);
        goto done;
    }
    rc = template_parse(path, text, len, format, out, err, err_size);

done:
    memory_free(text);
    fclose(file);
    return rc;
}

void
template_free(struct template *tmpl)
{
    if (tmpl == NULL)
        return;
    memory_free(tmpl->nodes);
    memory_free(tmpl->source);
    memory_free(tmpl);
}

static struct value
lookup(const struct render_state *state, const char *name)
{
    struct value value = {NULL, NULL, TEMPLATE_VERBATIM};
    size_t i;

    if (name[0] == '.') {
        value.json = state->depth > 0 ? state->scopes[state->depth - 1]
                                      : state->ctx->root;
        return value;
    }
    for (i = state->depth; i > 0; i--) {
        const json_t *scope = state->scopes[i - 1];

        if (json_is_object(scope)) {
            value.json = json_object_get(scope, name);
            if (value.json != NULL)
                return value;
        }
    }
    if (json_is_object(state->ctx->root)) {
        value.json = json_object_get(state->ctx->root, name);
        if (value.json != NULL)
            return value;
    }
    for (i = 0; i < state->ctx->var_count; i++) {
        if (strcmp(state->ctx->vars[i].name, name) == 0) {
            value.str = state->ctx->vars[i].value;
            value.expansion = state->ctx->vars[i].expansion;
            break;
        }
    }
    return value;
}

static int
truthy(struct value value)
{
    if (value.str != NULL)
        return value.str[0] != '\0';
    if (value.json == NULL || json_is_false(value.json) ||
        json_is_null(value.json))
        return 0;
    if (json_is_string(value.json))
        return json_string_length(value.json) > 0;
    if (json_is_array(value.json))
        return json_array_size(value.json) > 0;
    return 1;
}

static int
append_escaped(struct render_state *state, const char *s, size_t len, int upper)
{
    const unsigned char *escaped = state->tmpl->escaped;
    struct buffer *out = state->out;
    size_t i, run = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc;
        char unicode[7];

        if (!escaped[c] && !(upper && c >= 'a' && c <= 'z')) {
            run++;
            continue;
        }
        if (buffer_append(out, s + i - run, run) == -1)
            return -1;
        run = 0;
        esc = escape_for(state->tmpl->format, c, unicode);
        if (esc != NULL) {
            if (buffer_append_str(out, esc) == -1)
                return -1;
        } else {
            char u = (char)(c - 'a' + 'A');

            if (buffer_append(out, &u, 1) == -1)
                return -1;
        }
    }
    return buffer_append(out, s + len - run, run);
}

/* Writes a string value, replacing the placeholders the context has values for.
 */
static int
append_expanded(struct render_state *state, const char *s, size_t len,
                int upper)
{
    static const char *const names[] = {"%EMAILADDRESS%", "%EMAILLOCALPART%",
                                        "%EMAILDOMAIN%"};
    const char *values[] = {state->ctx->address, state->ctx->local_part,
                            state->ctx->domain};
    size_t start = 0, i = 0;

    while (i < len) {
        size_t k, matched = 0;

        if (s[i] != '%') {
            i++;
            continue;
        }
        for (k = 0; k < 3; k++) {
            size_t name_len = strlen(names[k]);

            if (values[k] != NULL && len - i >= name_len &&
                memcmp(s + i, names[k], name_len) == 0) {
                matched = name_len;
                break;
            }
        }
        if (matched == 0) {
            i++;
            continue;
        }
        if (append_escaped(state, s + start, i - start, upper) == -1 ||
            append_escaped(state, values[k], strlen(values[k]), upper) == -1)
            return -1;
        i += matched;
        start = i;
    }
    return append_escaped(state, s + start, len - start, upper);
}

/* Appends a number in decimal, as printf's %lld would, without its cost. */
static int
append_integer(struct buffer *out, json_int_t number)
{
    char digits[24];
    size_t start = sizeof(digits);
    /* Unsigned, so that the magnitude of the minimum fits too. */
    unsigned long long left = number < 0 ? 0ULL - (unsigned long long)number
                                         : (unsigned long long)number;

    do {
        digits[--start] = (char)('0' + left % 10);
        left /= 10;
    } while (left != 0);
    if (number < 0)
        digits[--start] = '-';
    return buffer_append(out, digits + start, sizeof(digits) - start);
}

static int
append_value(struct render_state *state, const struct node *node)
{
    struct value value = lookup(state, node->text);

    if (node->filter == FILTER_ONOFF)
        return buffer_append_str(state->out, truthy(value) ? "on" : "off");
    if (value.str != NULL && value.expansion == TEMPLATE_VERBATIM)
        return append_escaped(state, value.str, strlen(value.str),
                              node->filter == FILTER_UPPER);
    if (value.str != NULL)
        return append_expanded(state, value.str, strlen(value.str),
                               node->filter == FILTER_UPPER);
    if (json_is_string(value.json))
        return append_expanded(state, json_string_value(value.json),
                               json_string_length(value.json),
                               node->filter == FILTER_UPPER);
    if (json_is_integer(value.json))
        return append_integer(state->out, json_integer_value(value.json));
    if (json_is_boolean(value.json))
        return buffer_append_str(state->out,
                                 json_is_true(value.json) ? "true" : "false");
    return 0;
}

static int render_nodes(struct render_state *state, size_t begin, size_t end);

static int
render_scoped(struct render_state *state, const json_t *scope, size_t begin,
              size_t end)
{
    int rc;

    if (state->depth == TEMPLATE_DEPTH_MAX)
        return -1;
    state->scopes[state->depth++] = scope;
    rc = render_nodes(state, begin, end);
    state->depth--;
    return rc;
}

static int
render_section(struct render_state *state, const struct node *node,
               size_t index)
{
    struct value value = lookup(state, node->text);
    size_t begin = index + 1, end = node->end, i;

    if (node->kind == NODE_INVERTED)
        return truthy(value) ? 0 : render_nodes(state, begin, end);
    if (!truthy(value))
        return 0;
    if (json_is_array(value.json)) {
        for (i = 0; i < json_array_size(value.json); i++) {
            if (render_scoped(state, json_array_get(value.json, i), begin,
                              end) == -1)
                return -1;
        }
        return 0;
    }
    if (json_is_object(value.json))
        return render_scoped(state, value.json, begin, end);
    return render_nodes(state, begin, end);
}

static int
render_nodes(struct render_state *state, size_t begin, size_t end)
{
    size_t i = begin;

    while (i < end) {
        const struct node *node = &state->tmpl->nodes[i];
        int rc;

        if (++state->steps > TEMPLATE_STEPS_MAX)
            return -1;

        switch (node->kind) {
        case NODE_TEXT:
            rc = buffer_append(state->out, node->text, node->len);
            break;
        case NODE_VALUE:
            rc = append_value(state, node);
            break;
        default:
            rc = render_section(state, node, i);
            i = node->end;
            if (rc == -1)
                return -1;
            continue;
        }
        if (rc == -1)
            return -1;
        i++;
    }
    return 0;
}

int
template_render(const struct template *tmpl, const struct template_context *ctx,
                struct buffer *out)
{
    struct render_state state;

    state.tmpl = tmpl;
    state.ctx = ctx;
    state.depth = 0;
    state.steps = 0;
    state.out = out;
    return render_nodes(&state, 0, tmpl->count);
}
