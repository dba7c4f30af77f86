/* SPDX-License-Identifier: MPL-2.0 */
/* Broker configuration: defaults, rabbitmq.conf-style file and command line. Immutable after start.
 */
#ifndef WR_SETTINGS_H
#define WR_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WR_MAX_BINDS 8

/* ssl_options.versions.N and management.ssl.versions.N, as a bit set */
enum { WR_TLS_V1_0 = 1, WR_TLS_V1_1 = 2, WR_TLS_V1_2 = 4, WR_TLS_V1_3 = 8 };

struct wr_config {
    int port; /* listeners.tcp.default; 0 = ephemeral */
    const char *binds[WR_MAX_BINDS];
    int nbinds;
    const char *data_dir;
    const char *ready_file;
    const char *ctl_socket;         /* warrenctl's unix socket; NULL = <data_dir>/warren.sock */
    const char *node_type;          /* cluster_formation.node_type: disc (default) or ram */
    const char *load_definitions;   /* a definitions file imported at every start */
    uint64_t store_segment_bytes;   /* message store segment size, 0 = the store's default */
    uint32_t store_compact_ms;      /* least time between compaction attempts */
    uint64_t meta_snapshot_records; /* definitions log records between snapshots, 0 = default */
    int log_level;                  /* enum wr_log_level */
    const char *default_user;
    const char *default_pass;
    const char *default_vhost;
    bool guest_loopback_only; /* loopback_users.guest */
    uint32_t heartbeat;       /* seconds offered in connection.tune */
    uint32_t frame_max;
    uint16_t channel_max;
    /* connection_max: at this many client connections the listeners stop accepting, as
     * RabbitMQ's ranch does; UINT32_MAX = infinity */
    uint32_t connection_max;
    /* consumer_max_per_channel (RabbitMQ 3.12's key; 3.10 has no limit): UINT32_MAX = infinity */
    uint32_t consumer_max_per_channel;
    uint64_t max_message_size;
    uint32_t handshake_timeout_ms;
    uint32_t consumer_timeout_ms; /* 0 = off */
    /* resource alarms (F-01, F-02): an absolute value wins over the relative one */
    double mem_watermark_relative;   /* of total RAM */
    uint64_t mem_watermark_absolute; /* bytes, 0 = use the relative value */
    uint64_t disk_free_limit;        /* bytes of free disk below which publishers block */
    double disk_free_relative;       /* of total RAM, 0 = use the absolute value */
    /* amqps (S-01, S-02, C-07): listeners.ssl.default and ssl_options.*; tls_port -1 = none */
    int tls_port;
    const char *tls_cacertfile, *tls_certfile, *tls_keyfile, *tls_password;
    int tls_verify_peer; /* ssl_options.verify: 0 verify_none, 1 verify_peer */
    bool tls_fail_if_no_peer_cert;
    int tls_versions;        /* WR_TLS_V* bits; 0 = TLS 1.2 and 1.3 */
    const char *tls_ciphers; /* ssl_options.ciphers.N joined with ':' */
    bool tls_honor_cipher_order;
    uint32_t tls_depth;
    int tls_login_cn;    /* ssl_cert_login_from: 0 distinguished_name, 1 common_name */
    int mgmt_port;       /* management.tcp.port (HTTP API, dashboard); -1 = off, 0 = ephemeral */
    int prometheus_port; /* prometheus.tcp.port (/metrics); -1 = off, 0 = ephemeral */
    /* HTTPS management: management.ssl.*, the same routes as mgmt_port over TLS; -1 = off.
     * Any management.ssl key turns it on (port 15671 unless given) and, unless
     * management.tcp.port is given too, mgmt_port off, as RabbitMQ's management plugin does. */
    int mgmt_tls_port;
    const char *mgmt_tls_cacertfile, *mgmt_tls_certfile, *mgmt_tls_keyfile, *mgmt_tls_password;
    int mgmt_tls_verify_peer; /* 0 verify_none, 1 verify_peer */
    bool mgmt_tls_fail_if_no_peer_cert;
    int mgmt_tls_versions;        /* WR_TLS_V* bits; 0 = TLS 1.2 and 1.3 */
    const char *mgmt_tls_ciphers; /* management.ssl.ciphers.N joined with ':' */
    bool mgmt_tls_honor_cipher_order;
    uint32_t mgmt_tls_depth;
    bool mgmt_tcp_given, mgmt_tls_given; /* a management.tcp / .ssl key was read */
};

void wr_config_defaults(struct wr_config *cfg);
/* Parses "512MB", "2GiB", "1000000" as rabbitmq.conf does; -1 when invalid. */
int wr_config_parse_bytes(const char *val, uint64_t *out);
/* Reads a rabbitmq.conf-style file; on error returns -1 with a message naming the line in err. */
int wr_config_load(struct wr_config *cfg, const char *path, char *err, size_t errcap);
/* The same for text already in memory (len bytes, NUL not required); name prefixes errors. */
int wr_config_parse(struct wr_config *cfg, const char *text, size_t len, const char *name,
                    char *err, size_t errcap);
/* Parses argv; returns 0 to run, 1 when --help was printed, -1 on a usage error (printed). */
int wr_config_args(struct wr_config *cfg, int argc, char **argv);
/* Releases the strings read from config files and resets cfg to the defaults. */
void wr_config_free(struct wr_config *cfg);

#endif
