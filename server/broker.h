/* SPDX-License-Identifier: MPL-2.0 */
/* The broker root: event base, config, vhosts, users, listeners, connections. */
#ifndef WR_BROKER_H
#define WR_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct wr_config;
struct wr_vhost;
struct wr_user;
struct wr_conn;
struct wr_queue;
struct wr_persist;
struct wr_defs;
struct wr_hmap;
struct wr_alarms;
struct wr_policies;
struct wr_gparams;
struct wr_mgmt;

struct wr_broker;

struct wr_broker *wr_broker_new(struct event_base *base, const struct wr_config *cfg);
/* Binds the listeners and writes the ready file; returns -1 (logged) on failure. */
int wr_broker_start(struct wr_broker *b);
/* Closes every connection with CONNECTION_FORCED and stops the loop once they are gone. */
void wr_broker_shutdown(struct wr_broker *b);
void wr_broker_free(struct wr_broker *b);

struct event_base *wr_broker_base(const struct wr_broker *b);
const struct wr_config *wr_broker_config(const struct wr_broker *b);
struct wr_vhost *wr_broker_vhost(struct wr_broker *b, const char *name, size_t len);
/* Checks a password; NULL when the user is unknown or the password wrong. */
const struct wr_user *wr_broker_authenticate(struct wr_broker *b, const char *user, size_t ulen,
                                             const char *pass, size_t plen);
/* A user by name, without a password check: SASL EXTERNAL has a certificate instead (C-07). */
const struct wr_user *wr_broker_user(struct wr_broker *b, const char *name, size_t len);
/* Every vhost (name -> struct wr_vhost *), and the durable definitions log (NULL if none). */
struct wr_hmap *wr_broker_vhosts(const struct wr_broker *b);
/* Every user (name -> struct wr_user *) and connection (pointer bytes -> struct wr_conn *). */
struct wr_hmap *wr_broker_users(const struct wr_broker *b);
struct wr_hmap *wr_broker_conns(const struct wr_broker *b);
struct wr_defs *wr_broker_defs(const struct wr_broker *b);
/* The message store bridge (NULL when the broker runs without one). */
struct wr_persist *wr_broker_persist(const struct wr_broker *b);
/* Durable queues by their store id: a fresh id, and the registry recovery uses. */
uint64_t wr_broker_next_qid(struct wr_broker *b);
void wr_broker_qid_add(struct wr_broker *b, uint64_t qid, struct wr_queue *q);
void wr_broker_qid_remove(struct wr_broker *b, uint64_t qid);
/* A deleted user's record, kept until shutdown: open connections still point at it. */
void wr_broker_retire_user(struct wr_broker *b, struct wr_user *u);
/* Policies and operator policies of every vhost. */
struct wr_policies *wr_broker_policies(const struct wr_broker *b);
struct wr_gparams *wr_broker_gparams(const struct wr_broker *b);
struct wr_mgmt *wr_broker_mgmt(const struct wr_broker *b);
/* The bound AMQP (tls false) or amqps port, -1 when that listener is off. */
int wr_broker_amqp_port(const struct wr_broker *b, bool tls);
/* "warren@<short host name>", RabbitMQ's node name shape, as warrenctl and the API show it. */
const char *wr_node_name(void);
/* Resource alarms (NULL before start), and the hook alarm.c calls when they change. */
struct wr_alarms *wr_broker_alarms(const struct wr_broker *b);
void wr_broker_alarms_changed(struct wr_broker *b, unsigned bits);
/* Direct reply-to addresses (key -> struct wr_channel *). */
struct wr_hmap *wr_broker_reply_map(struct wr_broker *b);
/* Connection registry, used for shutdown and exclusive-queue ownership. */
void wr_broker_conn_add(struct wr_broker *b, struct wr_conn *c);
void wr_broker_conn_remove(struct wr_broker *b, struct wr_conn *c);

#endif
