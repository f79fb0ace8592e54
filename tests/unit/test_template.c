/* Tests for template_parse, template_load and template_render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "check.h"
#include "memory.h"
#include "template.h"

#define TEMPLATE_DIR MAILAUTOCONF_SOURCE_DIR "/templates"

/*
 * Parses JSON written with ' in place of ", so that the tables stay
 * readable. A real quote or apostrophe is written as \u0022 or \u0027.
 */
static json_t *
load_json(const char *text)
{
    char copy[2048];
    json_error_t error;
    json_t *value;
    size_t i;

    snprintf(copy, sizeof(copy), "%s", text);
    for (i = 0; copy[i] != '\0'; i++) {
        if (copy[i] == '\'')
            copy[i] = '"';
    }
    value = json_loads(copy, JSON_DECODE_ANY, &error);
    if (value == NULL) {
        fprintf(stderr, "test data is invalid JSON: %s: %s\n", text,
                error.text);
        exit(2);
    }
    return value;
}

struct parse_error_case {
    const char *text;
    const char *expected;
};

static const struct parse_error_case parse_error_cases[] = {
    {"a\nb\n{{name", "t.xml:3: unclosed tag"},
    {"a\nb\n{{name}\n}", "t.xml:3: unclosed tag"},
    {"{{#s}}\n", "t.xml:1: unclosed section 's'"},
    {"x\n{{#outer}}\n{{#inner}}\n{{/inner}}\n",
     "t.xml:2: unclosed section 'outer'"},
    {"{{#a}}\n{{/b}}", "t.xml:2: 'b' closes section 'a' opened before it"},
    {"{{#a}}{{#b}}{{/a}}{{/b}}",
     "t.xml:1: 'a' closes section 'b' opened before it"},
    {"\n\n{{/a}}", "t.xml:3: 'a' closes no section"},
    {"{{#a}}{{/a}}\n{{/a}}", "t.xml:2: 'a' closes no section"},
    {"{{x|lower}}", "t.xml:1: unknown filter 'lower'"},
    {"\n{{x|}}", "t.xml:2: unknown filter ''"},
    {"{{x|upper|onoff}}", "t.xml:1: unknown filter 'upper|onoff'"},
    {"{{x|UPPER}}", "t.xml:1: unknown filter 'UPPER'"},
    {"{{#x|upper}}{{/x}}", "t.xml:1: a filter needs a value tag"},
    {"{{^x|onoff}}{{/x}}", "t.xml:1: a filter needs a value tag"},
    {"{{Name}}", "t.xml:1: invalid name 'Name'"},
    {"{{}}", "t.xml:1: invalid name ''"},
    {"{{ }}", "t.xml:1: invalid name ''"},
    {"{{a b}}", "t.xml:1: invalid name 'a b'"},
    {"{{a.b}}", "t.xml:1: invalid name 'a.b'"},
    {"{{1a}}", "t.xml:1: invalid name '1a'"},
    {"{{a-b}}", "t.xml:1: invalid name 'a-b'"},
    {"{{#}}{{/}}", "t.xml:1: invalid name ''"},
    {"x\n{{#a}}\n{{/A}}", "t.xml:3: invalid name 'A'"},
    {"{{&a}}", "t.xml:1: invalid name '&a'"},
    {"{{{a}}}", "t.xml:1: invalid name '{a'"},
    {"{{a|upper}}\n{{Name|upper}}", "t.xml:2: invalid name 'Name'"},
    {"{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}",
     "t.xml:1: invalid name "
     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"},
};

static void
test_parse_errors(void)
{
    char err[256], text[512];
    struct template *tmpl;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(parse_error_cases) / sizeof(parse_error_cases[0]);
         i++) {
        const struct parse_error_case *c = &parse_error_cases[i];

        check_case("template_parse \"%s\"", c->text);
        tmpl = NULL;
        err[0] = '\0';
        rc = template_parse("t.xml", c->text, strlen(c->text), TEMPLATE_XML,
                            &tmpl, err, sizeof(err));
        CHECK_INT(rc, -1);
        CHECK(tmpl == NULL);
        CHECK_STR(err, c->expected);
    }

    check_case("template_parse NUL byte");
    err[0] = '\0';
    rc = template_parse("t.xml", "a\0{{b}}", 7, TEMPLATE_XML, &tmpl, err,
                        sizeof(err));
    CHECK_INT(rc, -1);
    CHECK_STR(err, "t.xml: contains a NUL byte");

    check_case("template_parse 64-byte name");
    snprintf(
        text, sizeof(text), "{{%s}}",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    rc = template_parse("t.xml", text, strlen(text), TEMPLATE_XML, &tmpl, err,
                        sizeof(err));
    if (CHECK_INT(rc, 0))
        template_free(tmpl);

    check_case("template_parse 16 nested sections");
    text[0] = '\0';
    for (i = 0; i < 16; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "{{#s%zu}}",
                 i);
    for (i = 16; i > 0; i--)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "{{/s%zu}}",
                 i - 1);
    rc = template_parse("t.xml", text, strlen(text), TEMPLATE_XML, &tmpl, err,
                        sizeof(err));
    if (CHECK_INT(rc, 0))
        template_free(tmpl);

    check_case("template_parse 17 nested sections");
    text[0] = '\0';
    for (i = 0; i < 17; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                 "{{#s%zu}}\n", i);
    rc = template_parse("t.xml", text, strlen(text), TEMPLATE_XML, &tmpl, err,
                        sizeof(err));
    CHECK_INT(rc, -1);
    CHECK_STR(err, "t.xml:17: sections nested too deeply");
}

/* The request variables that every render case can see. */
static const struct template_var request_vars[] = {
    {"var", "from request", TEMPLATE_VERBATIM},
    {"markup", "<b>&amp;</b>", TEMPLATE_VERBATIM},
    {"empty_var", "", TEMPLATE_VERBATIM},
    {"null_var", NULL, TEMPLATE_VERBATIM},
    {"placeholder_var", "user@%EMAILDOMAIN%", TEMPLATE_VERBATIM},
    {"provider_var", "%EMAILLOCALPART%@%EMAILDOMAIN%", TEMPLATE_EXPAND},
};

struct render_case {
    const char *name;
    enum template_format format;
    const char *text;
    const char *root; /* JSON with ' for ", or NULL */
    const char *address, *local_part, *domain;
    const char *expected;
};

#define XML TEMPLATE_XML
#define JSON TEMPLATE_JSON

static const struct render_case render_cases[] = {
    {"text only", XML, "Hello\n", NULL, NULL, NULL, NULL, "Hello\n"},
    {"empty template", XML, "", NULL, NULL, NULL, NULL, ""},
    {"string value", XML, "<a>{{name}}</a>", "{'name':'Example'}", NULL, NULL,
     NULL, "<a>Example</a>"},
    {"spaces in tag", XML, "{{ name }}|{{\tname\t}}", "{'name':'Example'}",
     NULL, NULL, NULL, "Example|Example"},
    {"integer value", XML, "{{port}}", "{'port':993}", NULL, NULL, NULL, "993"},
    {"negative integer", XML, "{{n}}", "{'n':-5}", NULL, NULL, NULL, "-5"},
    {"zero", XML, "{{n}}", "{'n':0}", NULL, NULL, NULL, "0"},
    {"largest integer", XML, "{{n}}", "{'n':9223372036854775807}", NULL, NULL,
     NULL, "9223372036854775807"},
    {"smallest integer", XML, "{{n}}", "{'n':-9223372036854775808}", NULL, NULL,
     NULL, "-9223372036854775808"},
    {"boolean values", XML, "{{t}} {{f}}", "{'t':true,'f':false}", NULL, NULL,
     NULL, "true false"},
    {"missing value", XML, "[{{nothing}}]", "{}", NULL, NULL, NULL, "[]"},
    {"null value", XML, "[{{n}}]", "{'n':null}", NULL, NULL, NULL, "[]"},
    {"array value", XML, "[{{l}}]", "{'l':['a']}", NULL, NULL, NULL, "[]"},
    {"object value", XML, "[{{o}}]", "{'o':{'a':'b'}}", NULL, NULL, NULL, "[]"},
    {"NULL root", XML, "[{{name}}|{{var}}]", NULL, NULL, NULL, NULL,
     "[|from request]"},
    {"request value", XML, "{{var}}", "{}", NULL, NULL, NULL, "from request"},
    {"request NULL value", XML, "[{{null_var}}]", "{}", NULL, NULL, NULL, "[]"},
    {"root shadows request", XML, "{{var}}", "{'var':'from root'}", NULL, NULL,
     NULL, "from root"},
    {"tag braces in value", XML, "{{v}}", "{'v':'{{var}}'}", NULL, NULL, NULL,
     "{{var}}"},

    {"XML escaping", XML, "{{v}}", "{'v':'a&b<c>d\\u0022e\\u0027f'}", NULL,
     NULL, NULL, "a&amp;b&lt;c&gt;d&quot;e&apos;f"},
    {"XML escaping of request value", XML, "{{markup}}", "{}", NULL, NULL, NULL,
     "&lt;b&gt;&amp;amp;&lt;/b&gt;"},
    {"XML text unescaped", XML, "<a b='&amp;'>{{v}}</a>", "{'v':'x'}", NULL,
     NULL, NULL, "<a b='&amp;'>x</a>"},
    {"XML non-ASCII kept", XML, "{{v}}", "{'v':'J\\u00f6rg'}", NULL, NULL, NULL,
     "J\xc3\xb6rg"},
    {"JSON escaping", JSON, "\"{{v}}\"",
     "{'v':'q\\u0022b\\\\c\\n\\t\\u0001\\u001f<>&/\\u0027'}", NULL, NULL, NULL,
     "\"q\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\\u003c\\u003e\\u0026/'\""},
    {"JSON escaping of request value", JSON, "{{markup}}", "{}", NULL, NULL,
     NULL, "\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e"},
    {"JSON non-ASCII kept", JSON, "{{v}}", "{'v':'J\\u00f6rg'}", NULL, NULL,
     NULL, "J\xc3\xb6rg"},

    {"section over strings", XML, "{{#l}}[{{.}}]{{/l}}", "{'l':['a','b','c']}",
     NULL, NULL, NULL, "[a][b][c]"},
    {"section over integers", XML, "{{#l}}{{.}},{{/l}}", "{'l':[1,2]}", NULL,
     NULL, NULL, "1,2,"},
    {"section over escaped strings", XML, "{{#l}}{{.}}{{/l}}", "{'l':['<&>']}",
     NULL, NULL, NULL, "&lt;&amp;&gt;"},
    {"section over objects", XML, "{{#s}}<{{h}}:{{p}}>{{/s}}",
     "{'s':[{'h':'x','p':1},{'h':'y','p':2}]}", NULL, NULL, NULL, "<x:1><y:2>"},
    {"section over nested arrays", XML, "{{#l}}{{#.}}{{.}}{{/.}};{{/l}}",
     "{'l':[[1,2],[3]]}", NULL, NULL, NULL, "12;3;"},
    {"section over empty array", XML, "[{{#l}}x{{/l}}]", "{'l':[]}", NULL, NULL,
     NULL, "[]"},
    {"section over object", XML, "{{#o}}{{k}}{{/o}}", "{'o':{'k':'v'}}", NULL,
     NULL, NULL, "v"},
    {"section over empty object", XML, "[{{#o}}x{{/o}}]", "{'o':{}}", NULL,
     NULL, NULL, "[x]"},
    {"section over true", XML, "[{{#t}}yes{{/t}}]", "{'t':true}", NULL, NULL,
     NULL, "[yes]"},
    {"section over false", XML, "[{{#t}}yes{{/t}}]", "{'t':false}", NULL, NULL,
     NULL, "[]"},
    {"section over string", XML, "[{{#s}}yes{{/s}}]", "{'s':'x'}", NULL, NULL,
     NULL, "[yes]"},
    {"section over empty string", XML, "[{{#s}}yes{{/s}}]", "{'s':''}", NULL,
     NULL, NULL, "[]"},
    {"section over missing", XML, "[{{#s}}yes{{/s}}]", "{}", NULL, NULL, NULL,
     "[]"},
    {"section over null", XML, "[{{#s}}yes{{/s}}]", "{'s':null}", NULL, NULL,
     NULL, "[]"},
    {"section over request value", XML, "[{{#var}}{{var}}{{/var}}]", "{}", NULL,
     NULL, NULL, "[from request]"},
    {"section over empty request value", XML, "[{{#empty_var}}x{{/empty_var}}]",
     "{}", NULL, NULL, NULL, "[]"},
    {"section over NULL request value", XML, "[{{#null_var}}x{{/null_var}}]",
     "{}", NULL, NULL, NULL, "[]"},

    {"inverted over true", XML, "[{{^t}}no{{/t}}]", "{'t':true}", NULL, NULL,
     NULL, "[]"},
    {"inverted over false", XML, "[{{^t}}no{{/t}}]", "{'t':false}", NULL, NULL,
     NULL, "[no]"},
    {"inverted over missing", XML, "[{{^t}}no{{/t}}]", "{}", NULL, NULL, NULL,
     "[no]"},
    {"inverted over empty array", XML, "[{{^l}}no{{/l}}]", "{'l':[]}", NULL,
     NULL, NULL, "[no]"},
    {"inverted over array", XML, "[{{^l}}no{{/l}}]", "{'l':[1]}", NULL, NULL,
     NULL, "[]"},
    {"inverted over empty string", XML, "[{{^s}}no{{/s}}]", "{'s':''}", NULL,
     NULL, NULL, "[no]"},
    {"inverted over request value", XML, "[{{^var}}no{{/var}}]", "{}", NULL,
     NULL, NULL, "[]"},
    {"section and inverted", XML, "{{#d}}{{d}}{{/d}}{{^d}}{{fallback}}{{/d}}",
     "{'fallback':'example.com'}", NULL, NULL, NULL, "example.com"},

    {"inner scope first", XML,
     "{{#outer}}{{#inner}}{{x}}/{{name}}{{/inner}}/{{name}}{{/outer}}/{{name}}",
     "{'name':'root','outer':{'name':'outer','inner':{'x':'inner-x'}}}", NULL,
     NULL, NULL, "inner-x/outer/outer/root"},
    {"fallback to root and request", XML,
     "{{#a}}{{#b}}{{r}}+{{var}}{{/b}}{{/a}}", "{'a':[{'b':[{}]}],'r':'R'}",
     NULL, NULL, NULL, "R+from request"},
    {"inner shadows request", XML, "{{#l}}{{var}}{{/l}}|{{var}}",
     "{'l':[{'var':'inner'}]}", NULL, NULL, NULL, "inner|from request"},
    {"string element falls back", XML, "{{#l}}{{n}}{{/l}}",
     "{'l':['x'],'n':'N'}", NULL, NULL, NULL, "N"},
    {"scope ends with section", XML, "{{#o}}{{k}}{{/o}}[{{k}}]",
     "{'o':{'k':'v'}}", NULL, NULL, NULL, "v[]"},

    {"upper filter", XML, "{{t|upper}} {{ t | upper }}", "{'t':'imap'}", NULL,
     NULL, NULL, "IMAP IMAP"},
    {"upper filter escapes", XML, "{{v|upper}}", "{'v':'a&b<c'}", NULL, NULL,
     NULL, "A&amp;B&lt;C"},
    {"upper filter ASCII only", XML, "{{v|upper}}", "{'v':'j\\u00f6rg'}", NULL,
     NULL, NULL, "J\xc3\xb6RG"},
    {"upper filter on request value", XML, "{{var|upper}}", "{}", NULL, NULL,
     NULL, "FROM REQUEST"},
    {"onoff filter", XML,
     "{{t|onoff}} {{f|onoff}} {{e|onoff}} {{s|onoff}} {{m|onoff}} "
     "{{a|onoff}} {{b|onoff}} {{n|onoff}}",
     "{'t':true,'f':false,'e':'','s':'x','a':[],'b':[1],'n':null}", NULL, NULL,
     NULL, "on off off on off off on off"},
    {"onoff filter on request values", XML,
     "{{var|onoff}} {{empty_var|onoff}} {{null_var|onoff}}", "{}", NULL, NULL,
     NULL, "on off off"},

    {"standalone section lines", XML, "a\n{{#t}}\nb\n{{/t}}\nc\n", "{'t':true}",
     NULL, NULL, NULL, "a\nb\nc\n"},
    {"standalone section lines, false", XML, "a\n{{#t}}\nb\n{{/t}}\nc\n",
     "{'t':false}", NULL, NULL, NULL, "a\nc\n"},
    {"standalone inverted lines", XML, "a\n{{^t}}\nb\n{{/t}}\nc\n", "{}", NULL,
     NULL, NULL, "a\nb\nc\n"},
    {"indented standalone lines", XML, "a\n  {{#t}}  \nb\n\t{{/t}}\t\nc\n",
     "{'t':true}", NULL, NULL, NULL, "a\nb\nc\n"},
    {"standalone lines with CRLF", XML, "a\r\n{{#t}}\r\nb\r\n  {{/t}}\r\nc\r\n",
     "{'t':true}", NULL, NULL, NULL, "a\r\nb\r\nc\r\n"},
    {"standalone first line", XML, "{{#t}}\nb\n{{/t}}\n", "{'t':true}", NULL,
     NULL, NULL, "b\n"},
    {"standalone last line without newline", XML, "a\n{{#t}}\nb\n{{/t}}",
     "{'t':true}", NULL, NULL, NULL, "a\nb\n"},
    {"standalone section over array", XML,
     "<l>\n{{#l}}\n  <i>{{.}}</i>\n{{/l}}\n</l>\n", "{'l':['x','y']}", NULL,
     NULL, NULL, "<l>\n  <i>x</i>\n  <i>y</i>\n</l>\n"},
    {"section tag sharing a line", XML, "x{{#t}}y{{/t}}z\n", "{'t':true}", NULL,
     NULL, NULL, "xyz\n"},
    {"open tag with text after it", XML, "  {{#t}}y\n{{/t}}\n", "{'t':true}",
     NULL, NULL, NULL, "  y\n"},
    {"two tags on a line", XML, "{{#t}}{{/t}}\nx", "{'t':true}", NULL, NULL,
     NULL, "\nx"},
    {"value tag alone keeps its line", XML, "a\n{{n}}\nb", "{}", NULL, NULL,
     NULL, "a\n\nb"},
    {"standalone comment", XML, "a\n{{! note }}\nb\n", NULL, NULL, NULL, NULL,
     "a\nb\n"},
    {"multi-line comment", XML, "a\n  {{! one\ntwo }}\r\nb\n", NULL, NULL, NULL,
     NULL, "a\nb\n"},
    {"inline comment", XML, "a{{! x }}b", NULL, NULL, NULL, NULL, "ab"},
    {"comment with odd text", XML, "a{{! #x|upper {{ }}b", NULL, NULL, NULL,
     NULL, "ab"},

    {"placeholders kept without values", XML, "{{u}}",
     "{'u':'%EMAILADDRESS% %EMAILLOCALPART% %EMAILDOMAIN%'}", NULL, NULL, NULL,
     "%EMAILADDRESS% %EMAILLOCALPART% %EMAILDOMAIN%"},
    {"only known values expanded", XML, "{{u}}|{{h}}",
     "{'u':'%EMAILADDRESS%','h':'mail.%EMAILDOMAIN%'}", NULL, NULL,
     "example.com", "%EMAILADDRESS%|mail.example.com"},
    {"all placeholders", XML, "{{u}}",
     "{'u':'%EMAILLOCALPART%+x@%EMAILDOMAIN% (%EMAILADDRESS%)'}",
     "bob@example.com", "bob", "example.com",
     "bob+x@example.com (bob@example.com)"},
    {"repeated placeholder", XML, "{{u}}",
     "{'u':'%EMAILADDRESS%%EMAILADDRESS%'}", "bob@example.com", "bob",
     "example.com", "bob@example.combob@example.com"},
    {"expansions not expanded again", XML, "{{u}}", "{'u':'%EMAILADDRESS%'}",
     "%EMAILDOMAIN%@example.com", "%EMAILDOMAIN%", "example.com",
     "%EMAILDOMAIN%@example.com"},
    {"expansions escaped", XML, "{{u}}", "{'u':'%EMAILADDRESS%'}",
     "o\\u0027b&c@example.com", "o'b&c", "example.com",
     "o&apos;b&amp;c@example.com"},
    {"placeholder look-alikes kept", XML, "{{u}}",
     "{'u':'%EMAILDOMAIN %emaildomain% %EMAILDOMAIN%%'}", NULL, NULL,
     "example.com", "%EMAILDOMAIN %emaildomain% example.com%"},
    {"percent before placeholder", XML, "{{u}}", "{'u':'%%EMAILDOMAIN%'}", NULL,
     NULL, "example.com", "%example.com"},
    {"upper filter on expansion", XML, "{{h|upper}}",
     "{'h':'mail.%EMAILDOMAIN%'}", NULL, NULL, "example.com",
     "MAIL.EXAMPLE.COM"},
    {"placeholder in request value kept", XML, "{{placeholder_var}}", "{}",
     "bob@example.com", "bob", "example.com", "user@%EMAILDOMAIN%"},
    {"placeholder in request value kept in upper case", XML,
     "{{placeholder_var|upper}}", "{}", NULL, NULL, "example.com",
     "USER@%EMAILDOMAIN%"},
    {"placeholder in provider variable", XML, "{{provider_var}}", "{}",
     "bob@example.com", "bob", "example.com", "bob@example.com"},
    {"placeholder in template text", XML, "%EMAILDOMAIN%", "{}", NULL, NULL,
     "example.com", "%EMAILDOMAIN%"},
    {"placeholder in JSON", JSON, "{{u}}", "{'u':'%EMAILADDRESS%'}",
     "a&b@example.com", "a&b", "example.com", "a\\u0026b@example.com"},
};

static void
test_render(void)
{
    struct buffer out;
    size_t i;

    buffer_init(&out, 4096);
    for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
        const struct render_case *c = &render_cases[i];
        json_t *root = c->root == NULL ? NULL : load_json(c->root);
        json_t *address = NULL;
        struct template_context ctx = {
            root, request_vars,  sizeof(request_vars) / sizeof(request_vars[0]),
            NULL, c->local_part, c->domain};
        struct template *tmpl = NULL;
        char err[256], quoted[256];

        check_case("render %s", c->name);
        /* The address is JSON too, as it may hold an apostrophe. */
        if (c->address != NULL) {
            snprintf(quoted, sizeof(quoted), "'%s'", c->address);
            address = load_json(quoted);
            ctx.address = json_string_value(address);
        }
        if (!CHECK_INT(template_parse("t", c->text, strlen(c->text), c->format,
                                      &tmpl, err, sizeof(err)),
                       0)) {
            fprintf(stderr, "  %s\n", err);
            json_decref(root);
            json_decref(address);
            continue;
        }
        buffer_clear(&out);
        if (CHECK_INT(template_render(tmpl, &ctx, &out), 0))
            CHECK_STR(out.data == NULL ? "" : out.data, c->expected);
        template_free(tmpl);
        json_decref(root);
        json_decref(address);
    }
    buffer_release(&out);
}

/* The escape each format writes for an ASCII byte, or NULL for none. */
static const char *
expected_escape(enum template_format format, unsigned char c, char *unicode)
{
    static const char *const xml[][2] = {{"&", "&amp;"},
                                         {"<", "&lt;"},
                                         {">", "&gt;"},
                                         {"\"", "&quot;"},
                                         {"'", "&apos;"}};
    size_t i;

    if (format == TEMPLATE_XML) {
        for (i = 0; i < sizeof(xml) / sizeof(xml[0]); i++) {
            if (c == (unsigned char)xml[i][0][0])
                return xml[i][1];
        }
        return NULL;
    }
    if (c == '"')
        return "\\\"";
    if (c == '\\')
        return "\\\\";
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        sprintf(unicode, "\\u%04x", c);
        return unicode;
    }
    return NULL;
}

/*
 * Renders every ASCII byte but NUL between two letters in each format,
 * upper-cased too, and compares it with the escape it needs.
 */
static void
test_escape_every_byte(void)
{
    struct template *tmpl[2][2];
    struct buffer out;
    enum template_format format;
    unsigned int c;
    int upper;

    buffer_init(&out, 4096);
    for (format = TEMPLATE_XML; format <= TEMPLATE_JSON; format++) {
        for (upper = 0; upper <= 1; upper++) {
            const char *text = upper ? "{{v|upper}}" : "{{v}}";
            char err[256];

            if (template_parse("t", text, strlen(text), format,
                               &tmpl[format][upper], err, sizeof(err)) == -1) {
                fprintf(stderr, "test template is invalid: %s\n", err);
                exit(2);
            }
        }
    }
    for (c = 1; c < 0x80; c++) {
        for (format = TEMPLATE_XML; format <= TEMPLATE_JSON; format++) {
            for (upper = 0; upper <= 1; upper++) {
                char value[4] = {'a', (char)c, 'b', '\0'};
                struct template_var var = {"v", value, TEMPLATE_VERBATIM};
                struct template_context ctx = {NULL, &var, 1, NULL, NULL, NULL};
                char unicode[8], expected[16], one[2] = {(char)c, '\0'};
                const char *esc =
                    expected_escape(format, (unsigned char)c, unicode);

                if (esc == NULL && upper && c >= 'a' && c <= 'z')
                    one[0] = (char)(c - 'a' + 'A');
                snprintf(expected, sizeof(expected), upper ? "A%sB" : "a%sb",
                         esc != NULL ? esc : one);
                check_case("escape byte 0x%02x, %s%s", c,
                           format == TEMPLATE_XML ? "XML" : "JSON",
                           upper ? ", upper" : "");
                buffer_clear(&out);
                if (CHECK_INT(template_render(tmpl[format][upper], &ctx, &out),
                              0))
                    CHECK_STR(out.data, expected);
            }
        }
    }
    for (format = TEMPLATE_XML; format <= TEMPLATE_JSON; format++) {
        template_free(tmpl[format][0]);
        template_free(tmpl[format][1]);
    }
    buffer_release(&out);
}

/* Renders text with a buffer limit of max bytes; returns the result. */
static int
render_limited(const char *text, size_t max, struct buffer *out)
{
    struct template_context ctx = {NULL, request_vars, 1, NULL, NULL, NULL};
    struct template *tmpl;
    char err[256];
    int rc;

    if (template_parse("t", text, strlen(text), TEMPLATE_XML, &tmpl, err,
                       sizeof(err)) == -1) {
        fprintf(stderr, "test template is invalid: %s\n", err);
        exit(2);
    }
    buffer_init(out, max);
    rc = template_render(tmpl, &ctx, out);
    template_free(tmpl);
    return rc;
}

static void
test_render_limits(void)
{
    struct buffer out;

    check_case("render fits the buffer exactly");
    CHECK_INT(render_limited("0123456789", 10, &out), 0);
    CHECK_STR(out.data, "0123456789");
    buffer_release(&out);

    check_case("render one byte over the buffer");
    CHECK_INT(render_limited("0123456789A", 10, &out), -1);
    buffer_release(&out);

    check_case("render value over the buffer");
    CHECK_INT(render_limited("0123{{var}}", 10, &out), -1);
    buffer_release(&out);

    check_case("render escape over the buffer");
    CHECK_INT(render_limited("{{var}}&", 16, &out), 0);
    buffer_release(&out);
    CHECK_INT(render_limited("{{markup}}", 16, &out), 0);
    buffer_release(&out);

    check_case("render appends");
    {
        struct template_context ctx = {NULL, request_vars, 1, NULL, NULL, NULL};
        struct template *tmpl;
        char err[256];

        buffer_init(&out, 64);
        buffer_append_str(&out, "before:");
        if (CHECK_INT(template_parse("t", "{{var}}", 7, TEMPLATE_XML, &tmpl,
                                     err, sizeof(err)),
                      0)) {
            CHECK_INT(template_render(tmpl, &ctx, &out), 0);
            CHECK_STR(out.data, "before:from request");
            template_free(tmpl);
        }
        buffer_release(&out);
    }
}

static void
test_load(void)
{
    static const char *const files[] = {
        "autoconfig.xml",   "autodiscover.xml",  "autodiscover-error.xml",
        "mobilesync.xml",   "autodiscover.json", "autodiscover-error.json",
        "mobileconfig.xml",
    };
    struct template_var vars[] = {{"protocol", "a\"b<", TEMPLATE_VERBATIM},
                                  {"url", "u", TEMPLATE_EXPAND}};
    struct template_context ctx = {NULL, vars, 2, NULL, NULL, NULL};
    struct template *tmpl;
    struct buffer out;
    char err[512], expected[512];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        check_case("template_load %s", files[i]);
        err[0] = '\0';
        if (CHECK_INT(
                template_load(TEMPLATE_DIR, files[i], &tmpl, err, sizeof(err)),
                0))
            template_free(tmpl);
        else
            fprintf(stderr, "  %s\n", err);
    }

    check_case("template_load takes JSON format from the name");
    buffer_init(&out, 4096);
    if (CHECK_INT(template_load(TEMPLATE_DIR, "autodiscover.json", &tmpl, err,
                                sizeof(err)),
                  0)) {
        CHECK_INT(template_render(tmpl, &ctx, &out), 0);
        CHECK_STR(out.data, "{\"Protocol\":\"a\\\"b\\u003c\",\"Url\":\"u\"}\n");
        template_free(tmpl);
    }
    buffer_release(&out);

    check_case("template_load missing file");
    snprintf(expected, sizeof(expected),
             "%s/missing.xml: cannot open: No such file or directory",
             TEMPLATE_DIR);
    CHECK_INT(
        template_load(TEMPLATE_DIR, "missing.xml", &tmpl, err, sizeof(err)),
        -1);
    CHECK_STR(err, expected);
}

int
main(void)
{
    memory_init();
    test_parse_errors();
    test_render();
    test_escape_every_byte();
    test_render_limits();
    test_load();
    return check_summary("test_template");
}
