/* SPDX-License-Identifier: MPL-2.0 */
/* Access control endpoints: /api/vhosts, /api/users, /api/permissions. Writes go through
 * admin.h, so they are logged to the definitions log exactly as warrenctl's are. Status codes
 * are RabbitMQ 3.10's: 201 when a PUT creates, 204 when it updates or a DELETE succeeds. */
#include "server/admin.h"
#include "server/broker.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mgmt_internal.h"
#include "server/user.h"
#include "server/vhost.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- vhosts ------------------------------------------------------------------------------- */

static void
mgmt_vhost_append(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    (void)r;
    json_array_append_new(arg, mgmt_json_vhost(vh));
}

void
mgmt_api_vhosts(struct mgmt_req *r)
{
    json_t *arr = json_array();

    mgmt_foreach_vhost(r, mgmt_vhost_append, arr);
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_vhost_get(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_arg(r, 0);

    if (vh != NULL)
        mgmt_reply_json(r, 200, mgmt_json_vhost(vh));
}

/* Creates the vhost or replaces its description and tags, absent ones becoming empty as on
 * RabbitMQ; default_queue_type is accepted and not kept, as RabbitMQ 3.10 shows "undefined". */
void
mgmt_api_vhost_put(struct mgmt_req *r)
{
    bool exists = wr_broker_vhost(r->b, r->arg[0], strlen(r->arg[0])) != NULL;
    const char *desc = json_string_value(json_object_get(r->body, "description"));
    char *tags = wr_json_tags_join(json_object_get(r->body, "tags"), ',');
    char err[256];

    if (tags == NULL)
        mgmt_bad_request(r, "tags must be a string or a list of strings");
    else if (!exists && wr_admin_add_vhost(r->b, r->arg[0], err, sizeof(err)) < 0)
        mgmt_bad_request(r, err);
    else if (wr_admin_set_vhost_metadata(r->b, r->arg[0], desc ? desc : "", tags, err,
                                         sizeof(err)) < 0)
        mgmt_bad_request(r, err);
    else
        mgmt_reply_empty(r, exists ? 204 : 201);
    free(tags);
}

void
mgmt_api_vhost_delete(struct mgmt_req *r)
{
    char err[256];

    if (wr_admin_delete_vhost(r->b, r->arg[0], err, sizeof(err)) < 0)
        mgmt_not_found(r);
    else
        mgmt_reply_empty(r, 204);
}

/* ---- permissions -------------------------------------------------------------------------- */

/* Appends the permissions matching vhost and/or user (NULL = any) to arr. */
static void
mgmt_collect_perms(struct mgmt_req *r, const char *vhost, const char *user, json_t *arr)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *u;

    wr_hmap_iter_init(wr_broker_users(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &u)) {
        if (user != NULL && strcmp(user, wr_user_name(u)) != 0)
            continue;
        for (size_t i = 0; i < wr_user_nperms(u); i++) {
            const struct wr_perm *p = wr_user_perm_at(u, i);

            if (vhost == NULL || strcmp(vhost, p->vhost) == 0)
                json_array_append_new(arr, mgmt_json_perm(wr_user_name(u), p));
        }
    }
}

void
mgmt_api_perms(struct mgmt_req *r)
{
    json_t *arr = json_array();

    mgmt_collect_perms(r, NULL, NULL, arr);
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_vhost_perms(struct mgmt_req *r)
{
    json_t *arr;

    if (mgmt_vhost_arg(r, 0) == NULL)
        return;
    arr = json_array();
    mgmt_collect_perms(r, r->arg[0], NULL, arr);
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_user_perms(struct mgmt_req *r)
{
    json_t *arr;

    if (wr_broker_user(r->b, r->arg[0], strlen(r->arg[0])) == NULL) {
        mgmt_not_found(r);
        return;
    }
    arr = json_array();
    mgmt_collect_perms(r, NULL, r->arg[0], arr);
    mgmt_reply_json(r, 200, arr);
}

/* The permission of user arg[1] on vhost arg[0], or NULL. */
static const struct wr_perm *
mgmt_perm_arg(struct mgmt_req *r)
{
    const struct wr_user *u = wr_broker_user(r->b, r->arg[1], strlen(r->arg[1]));

    return u ? wr_user_perm(u, r->arg[0], strlen(r->arg[0])) : NULL;
}

void
mgmt_api_perm_get(struct mgmt_req *r)
{
    const struct wr_perm *p = mgmt_perm_arg(r);

    if (p == NULL)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, mgmt_json_perm(r->arg[1], p));
}

void
mgmt_api_perm_put(struct mgmt_req *r)
{
    static const char *const keys[] = {"configure", "write", "read"};
    const char *v[3];
    bool existed = mgmt_perm_arg(r) != NULL;
    char err[512];

    for (int i = 0; i < 3; i++) {
        v[i] = json_string_value(json_object_get(r->body, keys[i]));
        if (v[i] == NULL) {
            snprintf(err, sizeof(err), "[{key_missing,%s}]", keys[i]);
            mgmt_bad_request(r, err);
            return;
        }
    }
    if (wr_broker_vhost(r->b, r->arg[0], strlen(r->arg[0])) == NULL ||
        wr_broker_user(r->b, r->arg[1], strlen(r->arg[1])) == NULL) {
        mgmt_bad_request(r, "vhost_or_user_not_found");
        return;
    }
    if (wr_admin_set_permissions(r->b, r->arg[0], r->arg[1], v[0], v[1], v[2], err, sizeof(err)) <
        0) {
        mgmt_bad_request(r, err);
        return;
    }
    mgmt_reply_empty(r, existed ? 204 : 201);
}

void
mgmt_api_perm_delete(struct mgmt_req *r)
{
    char err[256];

    if (mgmt_perm_arg(r) == NULL ||
        wr_admin_clear_permissions(r->b, r->arg[0], r->arg[1], err, sizeof(err)) < 0)
        mgmt_not_found(r);
    else
        mgmt_reply_empty(r, 204);
}

/* ---- users -------------------------------------------------------------------------------- */

void
mgmt_api_users(struct mgmt_req *r)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *u;
    json_t *arr = json_array();

    wr_hmap_iter_init(wr_broker_users(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &u))
        json_array_append_new(arr, mgmt_json_user(u));
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_user_get(struct mgmt_req *r)
{
    const struct wr_user *u = wr_broker_user(r->b, r->arg[0], strlen(r->arg[0]));

    if (u == NULL)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, mgmt_json_user(u));
}

/* password_hash: base64 of the 4-byte salt and SHA-256; "" means no password. */
static int
mgmt_hash_arg(const char *b64, uint8_t sh[WR_USER_SALT_LEN + WR_USER_HASH_LEN])
{
    uint8_t buf[64];

    if (strlen(b64) != 48 || EVP_DecodeBlock(buf, (const unsigned char *)b64, 48) != 36)
        return -1;
    memcpy(sh, buf, WR_USER_SALT_LEN + WR_USER_HASH_LEN);
    return 0;
}

static int
mgmt_user_apply(struct mgmt_req *r, bool exists, const char *tags, char *err, size_t errcap)
{
    const char *name = r->arg[0];
    const char *pw = json_string_value(json_object_get(r->body, "password"));
    const char *hash = json_string_value(json_object_get(r->body, "password_hash"));
    uint8_t sh[WR_USER_SALT_LEN + WR_USER_HASH_LEN];

    if (pw == NULL && hash != NULL && *hash != '\0') {
        if (mgmt_hash_arg(hash, sh) < 0)
            return snprintf(err, errcap, "invalid password_hash"), -1;
        wr_admin_put_user_hash(r->b, name, sh, tags);
        return 0;
    }
    if (!exists && wr_admin_add_user(r->b, name, pw, err, errcap) < 0)
        return -1;
    if (exists && pw != NULL && wr_admin_change_password(r->b, name, pw, err, errcap) < 0)
        return -1;
    return wr_admin_set_tags(r->b, name, tags, err, errcap);
}

void
mgmt_api_user_put(struct mgmt_req *r)
{
    const char *alg = json_string_value(json_object_get(r->body, "hashing_algorithm"));
    bool exists = wr_broker_user(r->b, r->arg[0], strlen(r->arg[0])) != NULL;
    char *tags, err[512];

    if (json_object_get(r->body, "password") == NULL &&
        json_object_get(r->body, "password_hash") == NULL &&
        json_object_get(r->body, "tags") == NULL) {
        mgmt_bad_request(r, "[{key_missing,tags}]");
        return;
    }
    /* a comma-separated string in the HTTP API, an array in newer clients */
    tags = wr_json_tags_join(json_object_get(r->body, "tags"), ' ');
    if (tags == NULL)
        mgmt_bad_request(r, "tags must be a string or a list of strings");
    else if (alg != NULL && strcmp(alg, "rabbit_password_hashing_sha256") != 0)
        mgmt_bad_request(r, "unsupported hashing_algorithm");
    else if (mgmt_user_apply(r, exists, tags, err, sizeof(err)) < 0)
        mgmt_bad_request(r, err);
    else
        mgmt_reply_empty(r, exists ? 204 : 201);
    free(tags);
}

void
mgmt_api_user_delete(struct mgmt_req *r)
{
    char err[256];

    if (wr_admin_delete_user(r->b, r->arg[0], err, sizeof(err)) < 0)
        mgmt_not_found(r);
    else
        mgmt_reply_empty(r, 204);
}
