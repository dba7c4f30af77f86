/* SPDX-License-Identifier: MPL-2.0 */
/* User records: the password is kept only as base64(salt || SHA-256(salt || password)), A-02. */
#include "server/user.h"

#include "server/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define WR_SALT_LEN         4
#define WR_MAX_VHOST_GRANTS 16

struct wr_user {
    char *name;
    uint8_t salt[WR_SALT_LEN];
    uint8_t hash[32];
    bool loopback_only;
    char *vhosts[WR_MAX_VHOST_GRANTS];
    int nvhosts;
};

static void
wr_user_digest(const uint8_t salt[WR_SALT_LEN], const char *pass, size_t len, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 32;

    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, salt, WR_SALT_LEN);
    EVP_DigestUpdate(ctx, pass, len);
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
}

struct wr_user *
wr_user_new(const char *name, const char *password)
{
    struct wr_user *u = wr_xcalloc(1, sizeof(*u));

    u->name = wr_xstrdup(name);
    if (RAND_bytes(u->salt, WR_SALT_LEN) != 1)
        memset(u->salt, 0x5a, WR_SALT_LEN);
    wr_user_digest(u->salt, password, strlen(password), u->hash);
    return u;
}

void
wr_user_free(struct wr_user *u)
{
    if (u == NULL)
        return;
    for (int i = 0; i < u->nvhosts; i++)
        free(u->vhosts[i]);
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
    uint8_t h[32];

    wr_user_digest(u->salt, pass, len, h);
    return CRYPTO_memcmp(h, u->hash, sizeof(h)) == 0;
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

void
wr_user_grant(struct wr_user *u, const char *vhost)
{
    if (u->nvhosts < WR_MAX_VHOST_GRANTS)
        u->vhosts[u->nvhosts++] = wr_xstrdup(vhost);
}

bool
wr_user_has_vhost(const struct wr_user *u, const char *vhost, size_t len)
{
    for (int i = 0; i < u->nvhosts; i++) {
        if (strlen(u->vhosts[i]) == len && memcmp(u->vhosts[i], vhost, len) == 0)
            return true;
    }
    return false;
}
