/* SPDX-License-Identifier: MPL-2.0 */
/* Users with RabbitMQ's salted SHA-256 password hashes, tags and per-vhost permissions. */
#ifndef WR_USER_H
#define WR_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WR_USER_SALT_LEN 4
#define WR_USER_HASH_LEN 32

struct wr_user;

/* One vhost's configure/write/read regular expressions. */
struct wr_regex;
enum wr_perm_kind { WR_PERM_CONFIGURE, WR_PERM_WRITE, WR_PERM_READ };

struct wr_perm {
    char *vhost;
    char *configure, *write, *read;
    struct wr_regex *re[3]; /* by enum wr_perm_kind; NULL for "" (matches nothing, A-04) */
};

/* password NULL: the user has no password and cannot log in with PLAIN/AMQPLAIN. */
struct wr_user *wr_user_new(const char *name, const char *password);
void wr_user_free(struct wr_user *u);
const char *wr_user_name(const struct wr_user *u);
bool wr_user_check_password(const struct wr_user *u, const char *pass, size_t len);
void wr_user_set_password(struct wr_user *u, const char *password);
/* The stored form: 4-byte salt and SHA-256(salt || password), as RabbitMQ keeps it.
 * get returns false for a user without a password. */
bool wr_user_get_hash(const struct wr_user *u, uint8_t salt[WR_USER_SALT_LEN],
                      uint8_t hash[WR_USER_HASH_LEN]);
void wr_user_set_hash(struct wr_user *u, const uint8_t salt[WR_USER_SALT_LEN],
                      const uint8_t hash[WR_USER_HASH_LEN]);
const char *wr_user_tags(const struct wr_user *u);
void wr_user_set_tags(struct wr_user *u, const char *tags);
/* guest-style restriction: may only log in from a loopback address. */
void wr_user_set_loopback_only(struct wr_user *u, bool on);
bool wr_user_loopback_only(const struct wr_user *u);
/* Returns -1 with the regex error in err when a pattern does not compile. */
int wr_user_set_perm(struct wr_user *u, const char *vhost, const char *configure, const char *write,
                     const char *read, char *err, size_t errcap);
/* Returns false when there was nothing to clear. */
bool wr_user_clear_perm(struct wr_user *u, const char *vhost);
const struct wr_perm *wr_user_perm(const struct wr_user *u, const char *vhost, size_t len);
size_t wr_user_nperms(const struct wr_user *u);
const struct wr_perm *wr_user_perm_at(const struct wr_user *u, size_t i);
/* A-05 topic permissions: routing-key patterns per (vhost, topic exchange); {username} and
 * {vhost} in them are expanded when set. */
struct wr_topic_perm {
    char *vhost, *exchange, *write, *read;
    struct wr_regex *re[2]; /* write, read */
};
int wr_user_set_topic_perm(struct wr_user *u, const char *vhost, const char *exchange,
                           const char *write, const char *read, char *err, size_t errcap);
/* exchange NULL clears every topic permission of the vhost; false when nothing was cleared. */
bool wr_user_clear_topic_perm(struct wr_user *u, const char *vhost, const char *exchange);
const struct wr_topic_perm *wr_user_topic_perm(const struct wr_user *u, const char *vhost,
                                               const char *exchange, size_t xlen);
size_t wr_user_ntopic_perms(const struct wr_user *u);
const struct wr_topic_perm *wr_user_topic_perm_at(const struct wr_user *u, size_t i);

/* A-06 user limits (-1 = none). The counts are runtime state, not definitions, so they may
 * change through a const user (connections hold const pointers). */
void wr_user_set_limits(struct wr_user *u, int64_t max_connections, int64_t max_channels);
int64_t wr_user_max_connections(const struct wr_user *u);
int64_t wr_user_max_channels(const struct wr_user *u);
uint32_t wr_user_connections(const struct wr_user *u);
uint32_t wr_user_channels(const struct wr_user *u);
void wr_user_count(const struct wr_user *u, int connections, int channels);
/* Full permissions on a vhost (the default user's). */
void wr_user_grant(struct wr_user *u, const char *vhost);
bool wr_user_has_vhost(const struct wr_user *u, const char *vhost, size_t len);

#endif
