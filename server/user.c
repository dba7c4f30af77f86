/* SPDX-License-Identifier: MPL-2.0 */
/* User records: the password is kept only as salt and SHA-256(salt || password), A-02. */
#include "server/user.h"

#include "server/mem.h"
#include "server/regex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wr_user {
    char *name;
    bool has_password;
    uint8_t salt[WR_USER_SALT_LEN];
    uint8_t hash[WR_USER_HASH_LEN];
    char *tags;
    bool loopback_only;
    struct wr_perm *perms;
    size_t nperms, cap;
    int64_t max_connections, max_channels;
    uint32_t connections, channels;
    struct wr_topic_perm *tperms;
    size_t ntperms, tcap;
};

static void
wr_user_digest(const uint8_t salt[WR_USER_SALT_LEN], const char *pass, size_t len,
               uint8_t out[WR_USER_HASH_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = WR_USER_HASH_LEN;

    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, salt, WR_USER_SALT_LEN);
    EVP_DigestUpdate(ctx, pass, len);
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
}

struct wr_user *
wr_user_new(const char *name, const char *password)
{
    struct wr_user *u = wr_xcalloc(1, sizeof(*u));

    u->name = wr_xstrdup(name);
    u->tags = wr_xstrdup("");
    u->max_connections = u->max_channels = -1;
    if (password != NULL)
        wr_user_set_password(u, password);
    return u;
}

static void
wr_perm_free(struct wr_perm *p)
{
    free(p->vhost);
    free(p->configure);
    free(p->write);
    free(p->read);
    for (int i = 0; i < 3; i++)
        wr_regex_free(p->re[i]);
}

static void wr_topic_perm_free(struct wr_topic_perm *p);

void
wr_user_free(struct wr_user *u)
{
    if (u == NULL)
        return;
    for (size_t i = 0; i < u->ntperms; i++)
        wr_topic_perm_free(&u->tperms[i]);
    free(u->tperms);
    for (size_t i = 0; i < u->nperms; i++)
        wr_perm_free(&u->perms[i]);
    free(u->perms);
    free(u->tags);
    free(u->name);
    free(u);
}

const char *
wr_user_name(const struct wr_user *u)
{
    return u->name;
}

bool
wr_user_check_password(const struct wr_user *u, const char *pass, size_t len)
{
    uint8_t h[WR_USER_HASH_LEN];

    if (!u->has_password)
        return false;
    wr_user_digest(u->salt, pass, len, h);
    return CRYPTO_memcmp(h, u->hash, sizeof(h)) == 0;
}

void
wr_user_set_password(struct wr_user *u, const char *password)
{
    if (RAND_bytes(u->salt, WR_USER_SALT_LEN) != 1)
        memset(u->salt, 0x5a, WR_USER_SALT_LEN);
    wr_user_digest(u->salt, password, strlen(password), u->hash);
    u->has_password = true;
}

bool
wr_user_get_hash(const struct wr_user *u, uint8_t salt[WR_USER_SALT_LEN],
                 uint8_t hash[WR_USER_HASH_LEN])
{
    memcpy(salt, u->salt, WR_USER_SALT_LEN);
    memcpy(hash, u->hash, WR_USER_HASH_LEN);
    return u->has_password;
}

void
wr_user_set_hash(struct wr_user *u, const uint8_t salt[WR_USER_SALT_LEN],
                 const uint8_t hash[WR_USER_HASH_LEN])
{
    memcpy(u->salt, salt, WR_USER_SALT_LEN);
    memcpy(u->hash, hash, WR_USER_HASH_LEN);
    u->has_password = true;
}

const char *
wr_user_tags(const struct wr_user *u)
{
    return u->tags;
}

void
wr_user_set_tags(struct wr_user *u, const char *tags)
{
    free(u->tags);
    u->tags = wr_xstrdup(tags);
}

void
wr_user_set_loopback_only(struct wr_user *u, bool on)
{
    u->loopback_only = on;
}

bool
wr_user_loopback_only(const struct wr_user *u)
{
    return u->loopback_only;
}

static struct wr_perm *
wr_user_find_perm(const struct wr_user *u, const char *vhost, size_t len)
{
    for (size_t i = 0; i < u->nperms; i++) {
        if (strlen(u->perms[i].vhost) == len && memcmp(u->perms[i].vhost, vhost, len) == 0)
            return &u->perms[i];
    }
    return NULL;
}

/* Compiles the three patterns first, so a bad one leaves the old permissions in place. */
int
wr_user_set_perm(struct wr_user *u, const char *vhost, const char *configure, const char *write,
                 const char *read, char *err, size_t errcap)
{
    const char *pat[3] = {configure, write, read};
    struct wr_regex *re[3] = {NULL, NULL, NULL};
    struct wr_perm *p;

    for (int i = 0; i < 3; i++) {
        if (pat[i][0] != '\0' && (re[i] = wr_regex_new(pat[i], err, errcap)) == NULL) {
            while (i-- > 0)
                wr_regex_free(re[i]);
            return -1;
        }
    }
    p = wr_user_find_perm(u, vhost, strlen(vhost));
    if (p == NULL) {
        if (u->nperms == u->cap) {
            u->cap = u->cap ? u->cap * 2 : 4;
            u->perms = wr_xrealloc(u->perms, u->cap * sizeof(*u->perms));
        }
        p = &u->perms[u->nperms++];
        memset(p, 0, sizeof(*p));
        p->vhost = wr_xstrdup(vhost);
    } else {
        char *v = p->vhost;
        p->vhost = NULL;
        wr_perm_free(p);
        memset(p, 0, sizeof(*p));
        p->vhost = v;
    }
    p->configure = wr_xstrdup(configure);
    p->write = wr_xstrdup(write);
    p->read = wr_xstrdup(read);
    memcpy(p->re, re, sizeof(re));
    return 0;
}

bool
wr_user_clear_perm(struct wr_user *u, const char *vhost)
{
    struct wr_perm *p = wr_user_find_perm(u, vhost, strlen(vhost));

    if (p == NULL)
        return false;
    wr_perm_free(p);
    *p = u->perms[--u->nperms];
    return true;
}

const struct wr_perm *
wr_user_perm(const struct wr_user *u, const char *vhost, size_t len)
{
    return wr_user_find_perm(u, vhost, len);
}

size_t
wr_user_nperms(const struct wr_user *u)
{
    return u->nperms;
}

const struct wr_perm *
wr_user_perm_at(const struct wr_user *u, size_t i)
{
    return i < u->nperms ? &u->perms[i] : NULL;
}

void
wr_user_grant(struct wr_user *u, const char *vhost)
{
    char err[160];

    wr_user_set_perm(u, vhost, ".*", ".*", ".*", err, sizeof(err));
}

bool
wr_user_has_vhost(const struct wr_user *u, const char *vhost, size_t len)
{
    return wr_user_find_perm(u, vhost, len) != NULL;
}

void
wr_user_set_limits(struct wr_user *u, int64_t max_connections, int64_t max_channels)
{
    u->max_connections = max_connections;
    u->max_channels = max_channels;
}

int64_t
wr_user_max_connections(const struct wr_user *u)
{
    return u->max_connections;
}

int64_t
wr_user_max_channels(const struct wr_user *u)
{
    return u->max_channels;
}

uint32_t
wr_user_connections(const struct wr_user *u)
{
    return u->connections;
}

uint32_t
wr_user_channels(const struct wr_user *u)
{
    return u->channels;
}

void
wr_user_count(const struct wr_user *u, int connections, int channels)
{
    struct wr_user *m = (struct wr_user *)u;

    m->connections = (uint32_t)((int64_t)m->connections + connections);
    m->channels = (uint32_t)((int64_t)m->channels + channels);
}

static void
wr_topic_perm_free(struct wr_topic_perm *p)
{
    free(p->vhost);
    free(p->exchange);
    free(p->write);
    free(p->read);
    wr_regex_free(p->re[0]);
    wr_regex_free(p->re[1]);
}

/* {username} and {vhost} are known when the permission is set, so they are expanded once. */
static char *
wr_topic_expand(const char *pat, const char *user, const char *vhost)
{
    size_t cap = strlen(pat) * 2 + strlen(user) + strlen(vhost) + 1, n = 0;
    char *out = wr_xmalloc(cap);

    while (*pat) {
        const char *val = NULL;
        size_t skip = 0;
        if (strncmp(pat, "{username}", 10) == 0)
            val = user, skip = 10;
        else if (strncmp(pat, "{vhost}", 7) == 0)
            val = vhost, skip = 7;
        if (val != NULL) {
            size_t l = strlen(val);
            if (n + l + 1 > cap)
                out = wr_xrealloc(out, cap = (n + l) * 2 + 1);
            memcpy(out + n, val, l);
            n += l;
            pat += skip;
            continue;
        }
        if (n + 2 > cap)
            out = wr_xrealloc(out, cap *= 2);
        out[n++] = *pat++;
    }
    out[n] = '\0';
    return out;
}

static struct wr_topic_perm *
wr_user_find_topic(const struct wr_user *u, const char *vhost, const char *x, size_t xlen)
{
    for (size_t i = 0; i < u->ntperms; i++) {
        struct wr_topic_perm *p = &u->tperms[i];
        if (strcmp(p->vhost, vhost) == 0 && strlen(p->exchange) == xlen &&
            memcmp(p->exchange, x, xlen) == 0)
            return p;
    }
    return NULL;
}

int
wr_user_set_topic_perm(struct wr_user *u, const char *vhost, const char *exchange,
                       const char *write, const char *read, char *err, size_t errcap)
{
    const char *pat[2] = {write, read};
    struct wr_regex *re[2] = {NULL, NULL};
    struct wr_topic_perm *p;

    for (int i = 0; i < 2; i++) {
        char *x = wr_topic_expand(pat[i], u->name, vhost);
        /* as RabbitMQ: an empty pattern allows only the empty routing key */
        if ((re[i] = wr_regex_new(x[0] ? x : "^$", err, errcap)) == NULL) {
            free(x);
            wr_regex_free(re[0]);
            return -1;
        }
        free(x);
    }
    p = wr_user_find_topic(u, vhost, exchange, strlen(exchange));
    if (p != NULL) {
        wr_topic_perm_free(p);
    } else {
        if (u->ntperms == u->tcap) {
            u->tcap = u->tcap ? u->tcap * 2 : 4;
            u->tperms = wr_xrealloc(u->tperms, u->tcap * sizeof(*u->tperms));
        }
        p = &u->tperms[u->ntperms++];
    }
    *p = (struct wr_topic_perm){wr_xstrdup(vhost),
                                wr_xstrdup(exchange),
                                wr_xstrdup(write),
                                wr_xstrdup(read),
                                {re[0], re[1]}};
    return 0;
}

bool
wr_user_clear_topic_perm(struct wr_user *u, const char *vhost, const char *exchange)
{
    bool any = false;

    for (size_t i = 0; i < u->ntperms;) {
        struct wr_topic_perm *p = &u->tperms[i];
        if (strcmp(p->vhost, vhost) == 0 &&
            (exchange == NULL || strcmp(p->exchange, exchange) == 0)) {
            wr_topic_perm_free(p);
            *p = u->tperms[--u->ntperms];
            any = true;
        } else {
            i++;
        }
    }
    return any;
}

const struct wr_topic_perm *
wr_user_topic_perm(const struct wr_user *u, const char *vhost, const char *exchange, size_t xlen)
{
    return wr_user_find_topic(u, vhost, exchange, xlen);
}

size_t
wr_user_ntopic_perms(const struct wr_user *u)
{
    return u->ntperms;
}

const struct wr_topic_perm *
wr_user_topic_perm_at(const struct wr_user *u, size_t i)
{
    return i < u->ntperms ? &u->tperms[i] : NULL;
}
