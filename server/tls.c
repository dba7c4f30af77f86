/* SPDX-License-Identifier: MPL-2.0 */
/* Server-side TLS with libevent's OpenSSL bufferevents. A socket stays here, with no AMQP state,
 * until its handshake succeeds; only then does it become a wr_conn, carrying the name from a
 * verified client certificate for EXTERNAL. A failed handshake closes that socket alone. */
#include "server/tls.h"

#include "server/broker.h"
#include "server/conn.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/settings.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* RabbitMQ's ssl_handshake_timeout default (S-01) */
#define WR_TLS_HANDSHAKE_MS 5000

/* A socket whose handshake is in progress. */
struct wr_tls_pending {
    LIST_ENTRY(wr_tls_pending) link;
    struct wr_tls *tls;
    struct bufferevent *bev;
    struct event *timer;
    struct sockaddr_storage peer;
    int plen;
    char name[80]; /* host:port, for logs */
};

struct wr_tls {
    struct wr_broker *broker;
    SSL_CTX *ctx;
    bool verify_peer;
    bool login_cn;
    LIST_HEAD(, wr_tls_pending) pending;
};

void
wr_tls_log_errors(const char *what)
{
    unsigned long e;
    char buf[256];
    int n = 0;

    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        wr_log(WR_LOG_ERROR, "%s: %s", what, buf);
        n++;
    }
    if (n == 0)
        wr_log(WR_LOG_ERROR, "%s", what);
}

/* Always installed, so an encrypted key without a password key fails to load instead of
 * OpenSSL prompting on the terminal. */
static int
wr_tls_password_cb(char *buf, int size, int rwflag, void *arg)
{
    const char *pass = arg;
    size_t n = pass ? strlen(pass) : 0;

    if (n == 0 || n > (size_t)size)
        return 0;
    memcpy(buf, pass, n);
    return (int)n;
}

static int
wr_tls_load_files(SSL_CTX *ctx, const struct wr_tls_opts *o)
{
    char what[600];

    if (o->certfile == NULL || o->keyfile == NULL) {
        wr_log(WR_LOG_ERROR, "TLS listener needs %s.certfile and %s.keyfile", o->prefix, o->prefix);
        return -1;
    }
    SSL_CTX_set_default_passwd_cb(ctx, wr_tls_password_cb);
    /* OpenSSL keeps only the pointer, read while loading the key below; it is cleared once the
     * key is in, so the context outlives no borrowed string (struct wr_tls_opts) */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)o->password);
    snprintf(what, sizeof(what), "cannot load %s.certfile %s", o->prefix, o->certfile);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->certfile) != 1)
        goto fail;
    snprintf(what, sizeof(what), "cannot load %s.keyfile %s", o->prefix, o->keyfile);
    if (SSL_CTX_use_PrivateKey_file(ctx, o->keyfile, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto fail;
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    if (o->cacertfile == NULL)
        return 0;
    snprintf(what, sizeof(what), "cannot load %s.cacertfile %s", o->prefix, o->cacertfile);
    if (SSL_CTX_load_verify_locations(ctx, o->cacertfile, NULL) != 1)
        goto fail;
    /* tells clients which CAs we accept, so they pick the right certificate */
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(o->cacertfile));
    return 0;
fail:
    wr_tls_log_errors(what);
    return -1;
}

/* OpenSSL takes a range of versions: a gap in the list (tlsv1.1 and tlsv1.3) enables what lies
 * between. Without a versions key only TLS 1.2 and 1.3 are offered. */
static int
wr_tls_versions(SSL_CTX *ctx, const struct wr_tls_opts *o)
{
    static const int proto[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
    int bits = o->versions ? o->versions : WR_TLS_V1_2 | WR_TLS_V1_3;
    int lo = -1, hi = -1;
    char what[80];

    for (int i = 0; i < 4; i++) {
        if (bits & (1 << i)) {
            lo = lo < 0 ? i : lo;
            hi = i;
        }
    }
    if (lo < 2)
        wr_log(WR_LOG_WARN,
               "TLS 1.0/1.1 enabled by %s.versions; OpenSSL's security level may still "
               "refuse them",
               o->prefix);
    if (SSL_CTX_set_min_proto_version(ctx, proto[lo]) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, proto[hi]) != 1) {
        snprintf(what, sizeof(what), "cannot set %s.versions", o->prefix);
        wr_tls_log_errors(what);
        return -1;
    }
    return 0;
}

/* RabbitMQ takes TLS 1.3 suites and older ciphers in one list; OpenSSL has a call for each.
 * A list naming no TLS 1.3 suite disables TLS 1.3, as it does in Erlang's ssl. */
static int
wr_tls_ciphers(SSL_CTX *ctx, const struct wr_tls_opts *o)
{
    size_t n = strlen(o->ciphers) + 1;
    char *copy = wr_xstrdup(o->ciphers), *v12 = wr_xcalloc(1, n), *v13 = wr_xcalloc(1, n), *save;
    char what[80];
    int rc = 0;

    for (char *name = strtok_r(copy, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
        char *dst = strncmp(name, "TLS_", 4) == 0 ? v13 : v12;
        if (*dst)
            strcat(dst, ":");
        strcat(dst, name);
    }
    if ((*v12 && SSL_CTX_set_cipher_list(ctx, v12) != 1) ||
        SSL_CTX_set_ciphersuites(ctx, v13) != 1) {
        snprintf(what, sizeof(what), "cannot use %s.ciphers", o->prefix);
        wr_tls_log_errors(what);
        rc = -1;
    }
    free(copy);
    free(v12);
    free(v13);
    return rc;
}

static void
wr_tls_set_verify(SSL_CTX *ctx, const struct wr_tls_opts *o)
{
    int mode = SSL_VERIFY_NONE;

    if (o->verify_peer) {
        mode = SSL_VERIFY_PEER;
        if (o->fail_if_no_peer_cert)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        if (o->cacertfile == NULL)
            wr_log(WR_LOG_WARN,
                   "%s.verify = verify_peer without %s.cacertfile: no client certificate can be "
                   "verified",
                   o->prefix, o->prefix);
    }
    SSL_CTX_set_verify(ctx, mode, NULL);
    /* same meaning as Erlang's depth: the number of intermediate CAs allowed */
    SSL_CTX_set_verify_depth(ctx, (int)o->depth);
}

SSL_CTX *
wr_tls_ctx_new(const struct wr_tls_opts *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    static const unsigned char sid[] = "warren";
    /* client-initiated renegotiation only costs the server CPU */
    uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;

    if (ctx == NULL) {
        wr_tls_log_errors("cannot create the TLS context");
        return NULL;
    }
    if (o->honor_cipher_order)
        opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(ctx, opts);
    /* resumed sessions of verified clients need a context id, or OpenSSL refuses them */
    SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
    SSL_CTX_set_dh_auto(ctx, 1);
    wr_tls_set_verify(ctx, o);
    if (wr_tls_load_files(ctx, o) < 0 || wr_tls_versions(ctx, o) < 0 ||
        (o->ciphers && wr_tls_ciphers(ctx, o) < 0)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

void
wr_tls_opts_amqps(const struct wr_config *cfg, struct wr_tls_opts *o)
{
    *o = (struct wr_tls_opts){
            .prefix = "ssl_options",
            .cacertfile = cfg->tls_cacertfile,
            .certfile = cfg->tls_certfile,
            .keyfile = cfg->tls_keyfile,
            .password = cfg->tls_password,
            .verify_peer = cfg->tls_verify_peer != 0,
            .fail_if_no_peer_cert = cfg->tls_fail_if_no_peer_cert,
            .honor_cipher_order = cfg->tls_honor_cipher_order,
            .versions = cfg->tls_versions,
            .ciphers = cfg->tls_ciphers,
            .depth = cfg->tls_depth,
    };
}

struct wr_tls *
wr_tls_new(struct wr_broker *b)
{
    const struct wr_config *cfg = wr_broker_config(b);
    struct wr_tls_opts o;
    SSL_CTX *ctx;
    struct wr_tls *t;

    wr_tls_opts_amqps(cfg, &o);
    if ((ctx = wr_tls_ctx_new(&o)) == NULL)
        return NULL;
    t = wr_xcalloc(1, sizeof(*t));
    t->broker = b;
    t->ctx = ctx;
    t->verify_peer = cfg->tls_verify_peer != 0;
    t->login_cn = cfg->tls_login_cn != 0;
    LIST_INIT(&t->pending);
    return t;
}

static void
wr_tls_pending_free(struct wr_tls_pending *p)
{
    LIST_REMOVE(p, link);
    event_free(p->timer);
    if (p->bev != NULL)
        bufferevent_free(p->bev);
    free(p);
}

void
wr_tls_free(struct wr_tls *t)
{
    if (t == NULL)
        return;
    while (!LIST_EMPTY(&t->pending))
        wr_tls_pending_free(LIST_FIRST(&t->pending));
    SSL_CTX_free(t->ctx);
    free(t);
}

/* RFC 4514 form, most specific RDN first ("CN=alice,O=example"), as RabbitMQ's default
 * ssl_cert_login_from = distinguished_name. UTF-8 is kept, not hex-escaped. */
char *
wr_tls_name_string(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *s = NULL;
    long n;

    if (bio == NULL)
        return NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        n = BIO_get_mem_data(bio, &data);
        s = wr_xmalloc((size_t)n + 1);
        memcpy(s, data, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(bio);
    return s;
}

/* ssl_cert_login_from = common_name: every CN, joined with ',' as RabbitMQ does. A CN with
 * an embedded NUL could impersonate a shorter name, so it yields no identity. */
static char *
wr_tls_cert_cn(X509 *cert)
{
    X509_NAME *name = X509_get_subject_name(cert);
    char *s = NULL;
    size_t len = 0;

    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
        unsigned char *utf8;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        if (n < 0 || memchr(utf8, 0, (size_t)n) != NULL) {
            if (n >= 0)
                OPENSSL_free(utf8);
            free(s);
            return NULL;
        }
        s = wr_xrealloc(s, len + (size_t)n + 2);
        if (len > 0)
            s[len++] = ',';
        memcpy(s + len, utf8, (size_t)n);
        len += (size_t)n;
        s[len] = '\0';
        OPENSSL_free(utf8);
    }
    return s;
}

/* The EXTERNAL identity: only a certificate the handshake verified counts (C-07). */
static char *
wr_tls_peer_identity(const struct wr_tls *t, struct bufferevent *bev)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    X509 *cert = SSL_get0_peer_certificate(ssl);

    if (!t->verify_peer || cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return NULL;
    return t->login_cn ? wr_tls_cert_cn(cert) : wr_tls_name_string(X509_get_subject_name(cert));
}

static void
wr_tls_handshake_failed(struct wr_tls_pending *p, short what)
{
    SSL *ssl = bufferevent_openssl_get_ssl(p->bev);
    long verify = SSL_get_verify_result(ssl);
    unsigned long e;
    char buf[256];
    int n = 0;

    /* libevent moves OpenSSL's error queue into the bufferevent, along with SSL_get_error()
     * codes (library 0) that say nothing a real entry does not */
    while ((e = bufferevent_get_openssl_error(p->bev)) != 0) {
        if (ERR_GET_LIB(e) == 0)
            continue;
        ERR_error_string_n(e, buf, sizeof(buf));
        wr_log(WR_LOG_WARN, "TLS handshake with %s failed: %s", p->name, buf);
        n++;
    }
    if (verify != X509_V_OK)
        wr_log(WR_LOG_WARN, "TLS handshake with %s: client certificate rejected: %s", p->name,
               X509_verify_cert_error_string(verify));
    else if (n == 0)
        wr_log(WR_LOG_WARN, "TLS handshake with %s failed: %s", p->name,
               (what & BEV_EVENT_EOF) ? "connection closed by peer" : strerror(errno));
}

static void
wr_tls_handshake_event(struct bufferevent *bev, short what, void *arg)
{
    struct wr_tls_pending *p = arg;
    struct wr_broker *b = p->tls->broker;
    struct sockaddr_storage peer = p->peer;
    int plen = p->plen;
    char *id;

    if (!(what & BEV_EVENT_CONNECTED)) {
        wr_tls_handshake_failed(p, what);
        wr_tls_pending_free(p);
        return;
    }
    id = wr_tls_peer_identity(p->tls, bev);
    wr_log(WR_LOG_DEBUG, "TLS handshake with %s done (%s, %s)%s%s", p->name,
           SSL_get_version(bufferevent_openssl_get_ssl(bev)),
           SSL_get_cipher_name(bufferevent_openssl_get_ssl(bev)), id ? ", peer " : "",
           id ? id : "");
    p->bev = NULL; /* now the connection's */
    wr_tls_pending_free(p);
    wr_conn_accept_bev(b, bev, (struct sockaddr *)&peer, plen, id);
}

static void
wr_tls_handshake_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct wr_tls_pending *p = arg;

    wr_log(WR_LOG_WARN, "TLS handshake with %s timed out", p->name);
    wr_tls_pending_free(p);
}

static void
wr_tls_describe(struct wr_tls_pending *p, const struct sockaddr *sa, int len)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];

    if (getnameinfo(sa, (socklen_t)len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(p->name, sizeof(p->name), "?");
    else
        snprintf(p->name, sizeof(p->name), sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
                 serv);
}

void
wr_tls_accept(struct wr_tls *t, int fd, const struct sockaddr *peer, int plen)
{
    struct timeval tv = {WR_TLS_HANDSHAKE_MS / 1000, (WR_TLS_HANDSHAKE_MS % 1000) * 1000};
    struct event_base *base = wr_broker_base(t->broker);
    struct wr_tls_pending *p;
    SSL *ssl = SSL_new(t->ctx);
    int one = 1;

    if (ssl == NULL || plen < 0 || (size_t)plen > sizeof(p->peer)) {
        wr_tls_log_errors("cannot accept a TLS connection");
        SSL_free(ssl);
        evutil_closesocket(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    p = wr_xcalloc(1, sizeof(*p));
    p->tls = t;
    memcpy(&p->peer, peer, (size_t)plen);
    p->plen = plen;
    wr_tls_describe(p, peer, plen);
    p->bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (p->bev == NULL) {
        /* only on OOM; libevent may already have closed fd and freed ssl, and closing an fd
         * twice could close another connection's socket, so a leak is the safer mistake */
        wr_log(WR_LOG_ERROR, "cannot create a TLS bufferevent for %s", p->name);
        free(p);
        return;
    }
    /* clients that drop the socket without close_notify read as EOF, not as an error */
    bufferevent_openssl_set_allow_dirty_shutdown(p->bev, 1);
    bufferevent_setcb(p->bev, NULL, NULL, wr_tls_handshake_event, p);
    bufferevent_enable(p->bev, EV_READ | EV_WRITE);
    p->timer = evtimer_new(base, wr_tls_handshake_timeout, p);
    evtimer_add(p->timer, &tv);
    LIST_INSERT_HEAD(&t->pending, p, link);
}
