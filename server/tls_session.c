/* SPDX-License-Identifier: MPL-2.0 */
/* A TLS connection's negotiated parameters in Erlang ssl's vocabulary ("tlsv1.3",
 * "aes_256_gcm", "ecdhe_rsa"), which is what RabbitMQ's management API reports. */
#include "server/tls.h"

#include "server/mem.h"

#include <ctype.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void
wr_lower(char *dst, size_t cap, const char *src)
{
    size_t i = 0;

    for (; src != NULL && src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

/* OpenSSL's short name for a kx/auth NID ("KxECDHE", "AuthRSA") without its prefix. */
static const char *
wr_tls_nid_word(int nid, size_t prefix)
{
    const char *sn = nid == NID_undef ? NULL : OBJ_nid2sn(nid);

    return sn != NULL && strlen(sn) > prefix ? sn + prefix : "";
}

static void
wr_tls_cipher_names(const SSL_CIPHER *c, bool tls13, struct wr_tls_session *s)
{
    static const struct {
        int nid;
        const char *name;
    } ciphers[] = {{NID_aes_128_gcm, "aes_128_gcm"},
                   {NID_aes_256_gcm, "aes_256_gcm"},
                   {NID_chacha20_poly1305, "chacha20_poly1305"},
                   {NID_aes_128_cbc, "aes_128_cbc"},
                   {NID_aes_256_cbc, "aes_256_cbc"}};
    int nid = SSL_CIPHER_get_cipher_nid(c);
    const char *kx = wr_tls_nid_word(SSL_CIPHER_get_kx_nid(c), 2);
    const char *auth = wr_tls_nid_word(SSL_CIPHER_get_auth_nid(c), 4);
    char tmp[32];

    wr_lower(s->cipher, sizeof(s->cipher), OBJ_nid2sn(nid));
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
        if (ciphers[i].nid == nid)
            snprintf(s->cipher, sizeof(s->cipher), "%s", ciphers[i].name);
    /* ssl_hash is Erlang's cipher-suite "mac": "aead" for every AEAD suite (all of TLS 1.3) */
    if (SSL_CIPHER_is_aead(c))
        snprintf(s->hash, sizeof(s->hash), "aead");
    else
        wr_lower(s->hash, sizeof(s->hash), OBJ_nid2sn(SSL_CIPHER_get_digest_nid(c)));
    if (tls13 || strcmp(kx, "ANY") == 0 || strcmp(kx, "RSA") == 0) {
        wr_lower(s->key_exchange, sizeof(s->key_exchange), tls13 ? "any" : kx);
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s_%s", kx, auth);
    wr_lower(s->key_exchange, sizeof(s->key_exchange), tmp);
}

static void
wr_tls_time(char *dst, size_t cap, const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        snprintf(dst, cap, "?");
    else
        strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool
wr_tls_session_get(struct bufferevent *bev, struct wr_tls_session *s)
{
    SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    const SSL_CIPHER *c;
    X509 *cert;
    char from[32], to[32];

    memset(s, 0, sizeof(*s));
    if (ssl == NULL)
        return false;
    wr_lower(s->protocol, sizeof(s->protocol), SSL_get_version(ssl));
    if ((c = SSL_get_current_cipher(ssl)) != NULL)
        wr_tls_cipher_names(c, SSL_version(ssl) >= TLS1_3_VERSION, s);
    if ((cert = SSL_get0_peer_certificate(ssl)) != NULL) {
        s->subject = wr_tls_name_string(X509_get_subject_name(cert));
        s->issuer = wr_tls_name_string(X509_get_issuer_name(cert));
        wr_tls_time(from, sizeof(from), X509_get0_notBefore(cert));
        wr_tls_time(to, sizeof(to), X509_get0_notAfter(cert));
        s->validity = wr_xmalloc(sizeof(from) + sizeof(to) + 4);
        snprintf(s->validity, sizeof(from) + sizeof(to) + 4, "%s - %s", from, to);
    }
    return true;
}

void
wr_tls_session_fini(struct wr_tls_session *s)
{
    free(s->subject);
    free(s->issuer);
    free(s->validity);
}
