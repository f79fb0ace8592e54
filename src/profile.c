#include "profile.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "address.h"
#include "file.h"
#include "memory.h"
#include "url.h"

#define UUID_TEXT_SIZE 37

/* The name-based UUID namespace of mailautoconf's profiles (RFC 9562). */
static const unsigned char uuid_namespace[16] = {
    0x5b, 0x0c, 0x9e, 0x62, 0x7d, 0x1f, 0x4a, 0x3b,
    0x9e, 0x58, 0x21, 0x6c, 0x4f, 0x0a, 0x83, 0xd7};

struct profile_signer {
    X509 *certificate;
    EVP_PKEY *key;
    STACK_OF(X509) * chain;
};

/* Values computed for one server, as template variables. */
struct server_vars {
    char port[16];
    const char *host;
    const char *username;
    const char *auth;
    const char *ssl; /* "1" or "" */
};

static void
openssl_error(char *err, size_t err_size, const char *what, const char *file)
{
    char reason[256];

    ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
    snprintf(err, err_size, "%s: %s failed: %s", file, what, reason);
    ERR_clear_error();
}

/* Opens the regular file at path as a BIO, checked by file_open_regular. */
static BIO *
open_pem(const char *path, char *err, size_t err_size)
{
    FILE *file = file_open_regular(path, err, err_size);
    BIO *bio;

    if (file == NULL)
        return NULL;
    bio = BIO_new_fp(file, BIO_CLOSE);
    if (bio == NULL) {
        fclose(file);
        snprintf(err, err_size, "%s: out of memory", path);
        ERR_clear_error();
    }
    return bio;
}

static int
read_chain(const char *path, STACK_OF(X509) * chain, char *err, size_t err_size)
{
    BIO *bio = open_pem(path, err, err_size);
    X509 *certificate;
    int count = 0;

    if (bio == NULL)
        return -1;
    while ((certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(chain, certificate)) {
            X509_free(certificate);
            BIO_free(bio);
            snprintf(err, err_size, "%s: out of memory", path);
            return -1;
        }
        count++;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (count == 0) {
        snprintf(err, err_size, "%s: no PEM certificate found", path);
        return -1;
    }
    return 0;
}

/*
 * Declines to ask for a passphrase: OpenSSL would otherwise prompt on the
 * terminal, blocking the thread that handles signals during a reload.
 */
static int
refuse_passphrase(char *buf, int size, int rwflag, void *data)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)data;
    return -1;
}

/* Puts "profile_signing.FIELD: " before the message in err. */
static void
prefix_signing_field(const char *field, char *err, size_t err_size)
{
    char message[1024];

    snprintf(message, sizeof(message), "%s", err);
    snprintf(err, err_size, "profile_signing.%s: %s", field, message);
}

int
profile_signer_load(const json_t *signing, struct profile_signer **out,
                    char *err, size_t err_size)
{
    const char *cert_path =
        json_string_value(json_object_get(signing, "certificate"));
    const char *key_path = json_string_value(json_object_get(signing, "key"));
    const char *chain_path =
        json_string_value(json_object_get(signing, "chain"));
    struct profile_signer *signer;
    /* The member an error is about, or NULL when memory ran out. */
    const char *field = "certificate";
    BIO *bio;

    signer = memory_malloc(sizeof(*signer));
    if (signer == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    memset(signer, 0, sizeof(*signer));

    bio = open_pem(cert_path, err, err_size);
    if (bio == NULL)
        goto fail;
    signer->certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (signer->certificate == NULL) {
        openssl_error(err, err_size, "reading the PEM certificate", cert_path);
        goto fail;
    }
    field = "key";
    bio = open_pem(key_path, err, err_size);
    if (bio == NULL)
        goto fail;
    signer->key = PEM_read_bio_PrivateKey(bio, NULL, refuse_passphrase, NULL);
    BIO_free(bio);
    if (signer->key == NULL) {
        openssl_error(err, err_size,
                      "reading the PEM private key (it must not be "
                      "encrypted)",
                      key_path);
        goto fail;
    }
    if (!X509_check_private_key(signer->certificate, signer->key)) {
        snprintf(err, err_size, "%s: the key does not match certificate '%s'",
                 key_path, cert_path);
        ERR_clear_error();
        goto fail;
    }
    field = "chain";
    signer->chain = sk_X509_new_null();
    if (signer->chain == NULL) {
        snprintf(err, err_size, "out of memory");
        field = NULL;
        goto fail;
    }
    if (chain_path != NULL &&
        read_chain(chain_path, signer->chain, err, err_size) == -1)
        goto fail;
    *out = signer;
    return 0;

fail:
    if (field != NULL)
        prefix_signing_field(field, err, err_size);
    profile_signer_free(signer);
    return -1;
}

void
profile_signer_free(struct profile_signer *signer)
{
    if (signer == NULL)
        return;
    X509_free(signer->certificate);
    EVP_PKEY_free(signer->key);
    sk_X509_pop_free(signer->chain, X509_free);
    memory_free(signer);
}

/* Writes an ASN.1 time, such as a certificate's notAfter, in UTC. */
static void
format_asn1_time(const ASN1_TIME *time, char *out, size_t size)
{
    struct tm tm;

    if (ASN1_TIME_to_tm(time, &tm) != 1 ||
        strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, size, "an unreadable date");
}

int
profile_signer_check_dates(const struct profile_signer *signer, time_t now,
                           char *problem, size_t size)
{
    const ASN1_TIME *not_before = X509_get0_notBefore(signer->certificate);
    const ASN1_TIME *not_after = X509_get0_notAfter(signer->certificate);
    /* Each is 0 for a date X509_cmp_time cannot read, such as month 13. */
    int after = X509_cmp_time(not_after, &now);
    int before = X509_cmp_time(not_before, &now);
    char date[64];

    if (after == 0 || before == 0) {
        snprintf(problem, size, "has a validity date that cannot be read");
        return -1;
    }
    if (after < 0) {
        format_asn1_time(not_after, date, sizeof(date));
        snprintf(problem, size, "expired on %s", date);
        return -1;
    }
    if (before > 0) {
        format_asn1_time(not_before, date, sizeof(date));
        snprintf(problem, size, "is not valid until %s", date);
        return -1;
    }
    return 0;
}

/* Writes the name-based (version 5) UUID of name in upper case. */
static int
name_uuid(const char *name, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
         EVP_DigestUpdate(ctx, uuid_namespace, sizeof(uuid_namespace)) &&
         EVP_DigestUpdate(ctx, name, strlen(name)) &&
         EVP_DigestFinal_ex(ctx, digest, &len);
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50);
    digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80);
    snprintf(out, UUID_TEXT_SIZE,
             "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
             "%02X%02X%02X%02X%02X%02X",
             digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
             digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
             digest[12], digest[13], digest[14], digest[15]);
    return 0;
}

/*
 * Returns Apple's EmailAuth value for a clientConfig method, or NULL for
 * GSSAPI, TLS-client-cert and OAuth2, which the Mail payload cannot
 * express. The payload takes EmailAuthNone, EmailAuthPassword,
 * EmailAuthCRAMMD5, EmailAuthNTLM and EmailAuthHTTPMD5, and no
 * clientConfig method matches EmailAuthHTTPMD5.
 */
static const char *
apple_auth_method(const char *method)
{
    if (strcmp(method, "password-cleartext") == 0)
        return "EmailAuthPassword";
    if (strcmp(method, "password-encrypted") == 0)
        return "EmailAuthCRAMMD5";
    if (strcmp(method, "NTLM") == 0)
        return "EmailAuthNTLM";
    if (strcmp(method, "none") == 0 ||
        strcmp(method, "client-IP-address") == 0 ||
        strcmp(method, "smtp-after-pop") == 0)
        return "EmailAuthNone";
    return NULL;
}

/*
 * Returns the EmailAuth value of the first method in the server's list
 * that Apple's Mail payload can express, or EmailAuthPassword when none.
 */
static const char *
apple_auth(const json_t *server)
{
    const json_t *methods = json_object_get(server, "authentication");
    const char *value;
    size_t i;

    for (i = 0; i < json_array_size(methods); i++) {
        value =
            apple_auth_method(json_string_value(json_array_get(methods, i)));
        if (value != NULL)
            return value;
    }
    return "EmailAuthPassword";
}

static void
server_vars(const json_t *server, struct server_vars *vars)
{
    snprintf(vars->port, sizeof(vars->port), "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(server, "port")));
    vars->host = json_string_value(json_object_get(server, "hostname"));
    vars->username = json_string_value(json_object_get(server, "username"));
    vars->auth = apple_auth(server);
    vars->ssl = json_is_true(json_object_get(server, "tls")) ? "1" : "";
}

/* Writes the reverse-DNS identifier of the profile for an address. */
static void
profile_identifier(const struct address *address, const char *uuid, char *out,
                   size_t size)
{
    const char *domain = address->domain, *end = domain + strlen(domain);
    size_t len = 0;

    while (end > domain && len + 1 < size) {
        const char *start = end;
        size_t label;

        while (start > domain && start[-1] != '.')
            start--;
        label = (size_t)(end - start);
        if (len + label + 2 >= size)
            break;
        memcpy(out + len, start, label);
        len += label;
        out[len++] = '.';
        end = start > domain ? start - 1 : domain;
    }
    snprintf(out + len, size - len, "mailautoconf.%s", uuid);
}

/* Replaces the plist in body with its CMS SignedData (DER) form. */
static int
sign_profile(const struct profile_signer *signer, struct buffer *body)
{
    BIO *in = BIO_new_mem_buf(body->data, (int)body->len), *out = NULL;
    CMS_ContentInfo *cms = NULL;
    BUF_MEM *signed_data;
    int rc = -1;

    if (in == NULL)
        goto done;
    cms = CMS_sign(signer->certificate, signer->key, signer->chain, in,
                   CMS_BINARY);
    out = BIO_new(BIO_s_mem());
    if (cms == NULL || out == NULL || !i2d_CMS_bio(out, cms))
        goto done;
    BIO_get_mem_ptr(out, &signed_data);
    buffer_clear(body);
    rc = buffer_append(body, signed_data->data, signed_data->length);

done:
    ERR_clear_error();
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
    return rc;
}

/*
 * Returns the first IMAP or POP3 server of provider; Apple Mail has no
 * account type for Exchange or the URL types. The provider file requires
 * one.
 */
static const json_t *
first_mail_server(const json_t *provider)
{
    const json_t *servers = json_object_get(provider, "incoming");
    size_t i;

    for (i = 0; i < json_array_size(servers); i++) {
        const json_t *server = json_array_get(servers, i);
        const char *type = json_string_value(json_object_get(server, "type"));

        if (strcmp(type, "imap") == 0 || strcmp(type, "pop3") == 0)
            return server;
    }
    return NULL;
}

static int
render_profile(const struct service *svc, struct http_request *req,
               const json_t *provider, const struct address *address)
{
    const json_t *incoming = first_mail_server(provider);
    const json_t *outgoing =
        json_array_get(json_object_get(provider, "outgoing"), 0);
    const json_t *calendar = json_object_get(provider, "calendar");
    const json_t *address_book = json_object_get(provider, "address_book");
    const char *display =
        json_string_value(json_object_get(provider, "display_name"));
    struct server_vars in, out;
    struct url_parts cal, card;
    char name[ADDRESS_MAX + 32], cal_port[16] = "", card_port[16] = "";
    char profile_uuid[UUID_TEXT_SIZE], mail_uuid[UUID_TEXT_SIZE];
    char cal_uuid[UUID_TEXT_SIZE], card_uuid[UUID_TEXT_SIZE];
    char identifier[ADDRESS_DOMAIN_MAX + 64];

    server_vars(incoming, &in);
    server_vars(outgoing, &out);
    cal.host[0] = card.host[0] = '\0';
    cal.secure = card.secure = 0;
    if (calendar != NULL &&
        url_split(json_string_value(json_object_get(calendar, "url")), &cal) ==
            0)
        snprintf(cal_port, sizeof(cal_port), "%ld", cal.port);
    if (address_book != NULL &&
        url_split(json_string_value(json_object_get(address_book, "url")),
                  &card) == 0)
        snprintf(card_port, sizeof(card_port), "%ld", card.port);

    snprintf(name, sizeof(name), "%s|profile", address->full);
    if (name_uuid(name, profile_uuid) == -1)
        return -1;
    snprintf(name, sizeof(name), "%s|mail", address->full);
    if (name_uuid(name, mail_uuid) == -1)
        return -1;
    snprintf(name, sizeof(name), "%s|caldav", address->full);
    if (name_uuid(name, cal_uuid) == -1)
        return -1;
    snprintf(name, sizeof(name), "%s|carddav", address->full);
    if (name_uuid(name, card_uuid) == -1)
        return -1;
    profile_identifier(address, profile_uuid, identifier, sizeof(identifier));

    {
        struct template_var vars[] = {
            {"domain", req->domain, TEMPLATE_VERBATIM},
            {"address", address->full, TEMPLATE_VERBATIM},
            {"display", display != NULL ? display : req->domain,
             display != NULL ? TEMPLATE_EXPAND : TEMPLATE_VERBATIM},
            {"identifier", identifier, TEMPLATE_VERBATIM},
            {"profile_uuid", profile_uuid, TEMPLATE_VERBATIM},
            {"mail_uuid", mail_uuid, TEMPLATE_VERBATIM},
            {"caldav_uuid", cal_uuid, TEMPLATE_VERBATIM},
            {"carddav_uuid", card_uuid, TEMPLATE_VERBATIM},
            {"in_pop",
             strcmp(json_string_value(json_object_get(incoming, "type")),
                    "pop3") == 0
                 ? "1"
                 : "",
             TEMPLATE_VERBATIM},
            {"in_host", in.host, TEMPLATE_EXPAND},
            {"in_port", in.port, TEMPLATE_VERBATIM},
            {"in_username", in.username, TEMPLATE_EXPAND},
            {"in_auth", in.auth, TEMPLATE_VERBATIM},
            {"in_ssl", in.ssl, TEMPLATE_VERBATIM},
            {"out_host", out.host, TEMPLATE_EXPAND},
            {"out_port", out.port, TEMPLATE_VERBATIM},
            {"out_username", out.username, TEMPLATE_EXPAND},
            {"out_auth", out.auth, TEMPLATE_VERBATIM},
            {"out_ssl", out.ssl, TEMPLATE_VERBATIM},
            {"caldav_host", cal.host[0] != '\0' ? cal.host : NULL,
             TEMPLATE_EXPAND},
            {"caldav_port", cal_port, TEMPLATE_VERBATIM},
            {"caldav_ssl", cal.secure ? "1" : "", TEMPLATE_VERBATIM},
            {"carddav_host", card.host[0] != '\0' ? card.host : NULL,
             TEMPLATE_EXPAND},
            {"carddav_port", card_port, TEMPLATE_VERBATIM},
            {"carddav_ssl", card.secure ? "1" : "", TEMPLATE_VERBATIM},
        };
        struct template_context ctx = {
            provider,      vars,           sizeof(vars) / sizeof(vars[0]),
            address->full, address->local, req->domain};
        const char *main_domain =
            provider_alias_target(svc->providers, req->domain);
        char login[ADDRESS_LOCAL_MAX + 1 + ADDRESS_DOMAIN_MAX + 1];

        /* At an alias domain, logins and host names use the main domain. */
        if (main_domain != NULL) {
            snprintf(login, sizeof(login), "%s@%s", address->local,
                     main_domain);
            ctx.address = login;
            ctx.domain = main_domain;
        }
        return template_render(svc->mobileconfig, &ctx, req->body);
    }
}

void
profile_handle(const struct service *svc, struct http_request *req)
{
    char decoded[ADDRESS_MAX + 2];
    struct address address;
    const char *raw;
    size_t raw_len;
    const json_t *provider;
    long len = -1;
    int count;

    if (!http_is_get(req)) {
        http_answer_method_not_allowed(req, "GET, HEAD");
        return;
    }
    count = url_query_find(req->query, "emailaddress", &raw, &raw_len);
    if (count == 1)
        len = url_decode(raw, raw_len, decoded, sizeof(decoded));
    if (count != 1 || len < 0 ||
        address_parse(decoded, (size_t)len, &address) == -1) {
        http_answer_text(req, 400,
                         count == 0 ? "missing emailaddress"
                                    : "invalid or repeated emailaddress");
        return;
    }
    strcpy(req->domain, address.domain);
    provider = provider_find(svc->providers, req->domain);
    if (provider == NULL) {
        http_answer_text(req, 404, "no provider serves this domain");
        return;
    }

    if (render_profile(svc, req, provider, &address) == -1) {
        http_answer_text(req, 500, "rendering mobileconfig.xml failed");
        return;
    }
    if (svc->signer != NULL && sign_profile(svc->signer, req->body) == -1) {
        http_answer_text(req, 500, "signing the profile failed");
        return;
    }
    req->status = 200;
    req->content_type = "application/x-apple-aspen-config";
    snprintf(req->headers, sizeof(req->headers),
             "Content-Disposition: attachment; "
             "filename=\"%s.mobileconfig\"\r\n",
             req->domain);
}
