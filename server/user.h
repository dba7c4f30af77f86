/* SPDX-License-Identifier: MPL-2.0 */
/* Users with RabbitMQ's salted SHA-256 password hashes, tags and per-vhost permissions. */
#ifndef WR_USER_H
#define WR_USER_H

#include <stdbool.h>
#include <stddef.h>

struct wr_user;

struct wr_user *wr_user_new(const char *name, const char *password);
void wr_user_free(struct wr_user *u);
const char *wr_user_name(const struct wr_user *u);
bool wr_user_check_password(const struct wr_user *u, const char *pass, size_t len);
/* guest-style restriction: may only log in from a loopback address. */
void wr_user_set_loopback_only(struct wr_user *u, bool on);
bool wr_user_loopback_only(const struct wr_user *u);
/* Grants configure/write/read on a vhost; the regexes are kept for the permissions issue (5). */
void wr_user_grant(struct wr_user *u, const char *vhost);
bool wr_user_has_vhost(const struct wr_user *u, const char *vhost, size_t len);

#endif
