/* SPDX-License-Identifier: MPL-2.0 */
/* Administration of the broker's definitions (vhosts, users, permissions) and runtime
 * settings, as used by warrenctl's control channel and definitions import. Every function
 * runs on the loop thread and records durable changes in the definitions log. Errors return
 * -1 with a message in RabbitMQ's CLI wording in err. */
#ifndef WR_ADMIN_H
#define WR_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wr_broker;

int wr_admin_add_vhost(struct wr_broker *b, const char *name, char *err, size_t errcap);
/* Closes the vhost's connections (320 CONNECTION_FORCED) and deletes everything in it. */
int wr_admin_delete_vhost(struct wr_broker *b, const char *name, char *err, size_t errcap);
/* Replaces the vhost's description and tags (comma-separated). */
int wr_admin_set_vhost_metadata(struct wr_broker *b, const char *name, const char *description,
                                const char *tags, char *err, size_t errcap);

int wr_admin_add_user(struct wr_broker *b, const char *name, const char *password, char *err,
                      size_t errcap);
int wr_admin_delete_user(struct wr_broker *b, const char *name, char *err, size_t errcap);
int wr_admin_change_password(struct wr_broker *b, const char *name, const char *password, char *err,
                             size_t errcap);
/* Space-separated tags, e.g. "administrator". */
int wr_admin_set_tags(struct wr_broker *b, const char *name, const char *tags, char *err,
                      size_t errcap);
/* configure/write/read regular expressions for user on vhost. */
int wr_admin_set_permissions(struct wr_broker *b, const char *vhost, const char *user,
                             const char *configure, const char *write, const char *read, char *err,
                             size_t errcap);
int wr_admin_clear_permissions(struct wr_broker *b, const char *vhost, const char *user, char *err,
                               size_t errcap);

/* Replay and definitions import: a user with a stored hash (salt || SHA-256, NULL = none). */
void wr_admin_put_user_hash(struct wr_broker *b, const char *name, const void *salt_hash,
                            const char *tags);
/* Removes every user and vhost: a snapshot restore replaces the whole state. */
void wr_admin_clear_all(struct wr_broker *b);

/* A-05 topic permissions; exchange NULL clears all of the user's on the vhost. */
int wr_admin_set_topic_permissions(struct wr_broker *b, const char *vhost, const char *user,
                                   const char *exchange, const char *write, const char *read,
                                   char *err, size_t errcap);
int wr_admin_clear_topic_permissions(struct wr_broker *b, const char *vhost, const char *user,
                                     const char *exchange, char *err, size_t errcap);

/* A-06 limits from RabbitMQ's JSON ({"max-connections":N,"max-queues":N} for a vhost,
 * {"max-connections":N,"max-channels":N} for a user; a negative value removes a limit). */
int wr_admin_set_vhost_limits(struct wr_broker *b, const char *vhost, const char *json, char *err,
                              size_t errcap);
int wr_admin_set_user_limits(struct wr_broker *b, const char *user, const char *json, char *err,
                             size_t errcap);

/* Resource alarm thresholds at runtime (F-01, F-02). */
void wr_admin_set_memory_watermark(struct wr_broker *b, double relative, uint64_t absolute);
void wr_admin_set_disk_free_limit(struct wr_broker *b, uint64_t bytes);

#endif
