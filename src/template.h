/*
 * Templates: the documents mailautoconf sends, compiled once at startup.
 *
 * Syntax, a small subset of Mustache:
 *   {{name}}            the value, escaped for the template's format
 *   {{name|upper}}      the value in upper case
 *   {{name|onoff}}      "on" when the value is true or non-empty, else "off"
 *   {{#name}}..{{/name}} repeated for each element of an array, once with an
 *                       object as the innermost scope, once for any other
 *                       true or non-empty value, not at all otherwise
 *   {{^name}}..{{/name}} once when the value is missing, false or empty
 *   {{.}}               the current array element
 *   {{! comment }}      nothing
 * A section, closing or comment tag alone on its line removes that line.
 * Names are looked up from the innermost scope outwards, then among the
 * request variables. In string values from the provider file the
 * placeholders %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are
 * replaced when the context has their values. Values from the request are
 * written as they are, so an address such as %EMAILDOMAIN%@example.com
 * comes back unchanged.
 */
#ifndef MAILAUTOCONF_TEMPLATE_H
#define MAILAUTOCONF_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "buffer.h"

enum template_format {
    TEMPLATE_XML, /* values escaped as XML character data and attributes */
    TEMPLATE_JSON /* values escaped as the inside of a JSON string */
};

struct template;

/* Whether a variable's placeholders are replaced. */
enum template_expansion {
    TEMPLATE_VERBATIM, /* from the request or the server: written as is */
    TEMPLATE_EXPAND    /* from the provider file: placeholders replaced */
};

/* A request variable; a NULL value counts as missing. */
struct template_var {
    const char *name;
    const char *value;
    enum template_expansion expansion;
};

struct template_context {
    const json_t *root; /* the outermost scope, borrowed; may be NULL */
    const struct template_var *vars;
    size_t var_count;
    /* Placeholder values; NULL leaves the placeholder as it is. */
    const char *address;
    const char *local_part;
    const char *domain;
};

/*
 * Compiles len bytes of text. The name is used in error messages. Returns
 * 0 and a template the caller frees with template_free, or -1 with a
 * message such as "autoconfig.xml:3: unclosed section 'incoming'" in err.
 */
int template_parse(const char *name, const char *text, size_t len,
                   enum template_format format, struct template **out,
                   char *err, size_t err_size);

/*
 * Reads and compiles dir/file_name; the format follows the file name's
 * ending (.json is JSON, anything else XML). Returns like template_parse.
 */
int template_load(const char *dir, const char *file_name, struct template **out,
                  char *err, size_t err_size);

/*
 * Appends the rendered document to out. Returns 0, or -1 when out is full,
 * memory runs out, or the template makes more than a million steps.
 */
int template_render(const struct template *tmpl,
                    const struct template_context *ctx, struct buffer *out);

void template_free(struct template *tmpl);

#endif
