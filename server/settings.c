/* SPDX-License-Identifier: MPL-2.0 */
/* One typed table of rabbitmq.conf keys drives file parsing, validation and defaults. */
#include "server/settings.h"

#include "server/log.h"
#include "server/mem.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WR_CFG_CHOICE stores the value of one of the key's names (wr_cfg_names), WR_CFG_FLAGS ORs it in,
 * WR_CFG_LIST joins the values of indexed keys with ':'. */
enum wr_cfg_type {
    WR_CFG_INT,
    WR_CFG_STR,
    WR_CFG_FILE, /* a path that must name a readable file, checked as RabbitMQ does at start */
    WR_CFG_BOOL,
    WR_CFG_LEVEL,
    WR_CFG_CHOICE,
    WR_CFG_FLAGS,
    WR_CFG_LIST,
    WR_CFG_BYTES, /* a size in bytes with RabbitMQ's units: kB/MB/GB (1000s), KiB/MiB/GiB */
    WR_CFG_RATIO  /* a fraction, 0..1 (stored as double) */
};

struct wr_cfg_key {
    const char *key;
    enum wr_cfg_type type;
    size_t offset;
    size_t size;
    uint64_t min, max;
};

#define F(field) offsetof(struct wr_config, field), sizeof(((struct wr_config *)0)->field)

static const struct wr_cfg_key wr_cfg_keys[] = {
        {"listeners.tcp.default", WR_CFG_INT, F(port), 0, 65535},
        {"default_user", WR_CFG_STR, F(default_user), 0, 0},
        {"default_pass", WR_CFG_STR, F(default_pass), 0, 0},
        {"default_vhost", WR_CFG_STR, F(default_vhost), 0, 0},
        {"loopback_users.guest", WR_CFG_BOOL, F(guest_loopback_only), 0, 1},
        {"heartbeat", WR_CFG_INT, F(heartbeat), 0, 65535},
        {"frame_max", WR_CFG_INT, F(frame_max), 4096, 0x7fffffff},
        {"channel_max", WR_CFG_INT, F(channel_max), 0, 65535},
        {"connection_max", WR_CFG_INT, F(connection_max), 0, 0xfffffffe},
        {"consumer_max_per_channel", WR_CFG_INT, F(consumer_max_per_channel), 0, 0xfffffffe},
        {"max_message_size", WR_CFG_INT, F(max_message_size), 1, 536870912},
        {"handshake_timeout", WR_CFG_INT, F(handshake_timeout_ms), 1, 0xffffffff},
        {"consumer_timeout", WR_CFG_INT, F(consumer_timeout_ms), 0, 0xffffffff},
        {"log.console.level", WR_CFG_LEVEL, F(log_level), 0, 0},
        {"cluster_formation.node_type", WR_CFG_STR, F(node_type), 0, 0},
        {"load_definitions", WR_CFG_STR, F(load_definitions), 0, 0},
        /* Warren's own: store tuning, used by the crash tests to compact while publishing */
        {"warren.store.segment_bytes", WR_CFG_BYTES, F(store_segment_bytes), 0, 0},
        {"warren.store.compact_interval", WR_CFG_INT, F(store_compact_ms), 1, 3600000},
        {"warren.meta.snapshot_records", WR_CFG_INT, F(meta_snapshot_records), 1, 100000000},
        {"vm_memory_high_watermark.relative", WR_CFG_RATIO, F(mem_watermark_relative), 0, 0},
        {"vm_memory_high_watermark.absolute", WR_CFG_BYTES, F(mem_watermark_absolute), 0, 0},
        {"disk_free_limit.absolute", WR_CFG_BYTES, F(disk_free_limit), 0, 0},
        {"disk_free_limit.relative", WR_CFG_RATIO, F(disk_free_relative), 0, 0},
        {"log.file.level", WR_CFG_LEVEL, F(log_level), 0, 0},
        /* keys ending in '*' are indexed: the '*' stands for a number, as in versions.1 */
        {"listeners.ssl.default", WR_CFG_INT, F(tls_port), 0, 65535},
        {"ssl_options.cacertfile", WR_CFG_FILE, F(tls_cacertfile), 0, 0},
        {"ssl_options.certfile", WR_CFG_FILE, F(tls_certfile), 0, 0},
        {"ssl_options.keyfile", WR_CFG_FILE, F(tls_keyfile), 0, 0},
        {"ssl_options.password", WR_CFG_STR, F(tls_password), 0, 0},
        {"ssl_options.verify", WR_CFG_CHOICE, F(tls_verify_peer), 0, 0},
        {"ssl_options.fail_if_no_peer_cert", WR_CFG_BOOL, F(tls_fail_if_no_peer_cert), 0, 1},
        {"ssl_options.versions.*", WR_CFG_FLAGS, F(tls_versions), 0, 0},
        {"ssl_options.ciphers.*", WR_CFG_LIST, F(tls_ciphers), 0, 0},
        {"ssl_options.honor_cipher_order", WR_CFG_BOOL, F(tls_honor_cipher_order), 0, 1},
        {"ssl_options.depth", WR_CFG_INT, F(tls_depth), 0, 255},
        {"ssl_cert_login_from", WR_CFG_CHOICE, F(tls_login_cn), 0, 0},
        {"management.tcp.port", WR_CFG_INT, F(mgmt_port), 0, 65535},
        {"prometheus.tcp.port", WR_CFG_INT, F(prometheus_port), 0, 65535},
        {"management.ssl.port", WR_CFG_INT, F(mgmt_tls_port), 0, 65535},
        {"management.ssl.cacertfile", WR_CFG_FILE, F(mgmt_tls_cacertfile), 0, 0},
        {"management.ssl.certfile", WR_CFG_FILE, F(mgmt_tls_certfile), 0, 0},
        {"management.ssl.keyfile", WR_CFG_FILE, F(mgmt_tls_keyfile), 0, 0},
        {"management.ssl.password", WR_CFG_STR, F(mgmt_tls_password), 0, 0},
        {"management.ssl.verify", WR_CFG_CHOICE, F(mgmt_tls_verify_peer), 0, 0},
        {"management.ssl.fail_if_no_peer_cert", WR_CFG_BOOL, F(mgmt_tls_fail_if_no_peer_cert), 0,
         1},
        {"management.ssl.versions.*", WR_CFG_FLAGS, F(mgmt_tls_versions), 0, 0},
        {"management.ssl.ciphers.*", WR_CFG_LIST, F(mgmt_tls_ciphers), 0, 0},
        {"management.ssl.honor_cipher_order", WR_CFG_BOOL, F(mgmt_tls_honor_cipher_order), 0, 1},
        {"management.ssl.depth", WR_CFG_INT, F(mgmt_tls_depth), 0, 255},
};

struct wr_cfg_name {
    const char *key, *name;
    int value;
};

static const struct wr_cfg_name wr_cfg_names[] = {
        {"connection_max", "infinity", -1}, /* stored as UINT32_MAX */
        {"consumer_max_per_channel", "infinity", -1},
        {"ssl_options.verify", "verify_none", 0},
        {"ssl_options.verify", "verify_peer", 1},
        {"ssl_cert_login_from", "distinguished_name", 0},
        {"ssl_cert_login_from", "common_name", 1},
        {"ssl_options.versions.*", "tlsv1", WR_TLS_V1_0},
        {"ssl_options.versions.*", "tlsv1.1", WR_TLS_V1_1},
        {"ssl_options.versions.*", "tlsv1.2", WR_TLS_V1_2},
        {"ssl_options.versions.*", "tlsv1.3", WR_TLS_V1_3},
        {"management.ssl.verify", "verify_none", 0},
        {"management.ssl.verify", "verify_peer", 1},
        {"management.ssl.versions.*", "tlsv1", WR_TLS_V1_0},
        {"management.ssl.versions.*", "tlsv1.1", WR_TLS_V1_1},
        {"management.ssl.versions.*", "tlsv1.2", WR_TLS_V1_2},
        {"management.ssl.versions.*", "tlsv1.3", WR_TLS_V1_3},
};

void
wr_config_defaults(struct wr_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = 5672;
    cfg->data_dir = "data";
    cfg->log_level = WR_LOG_INFO;
    cfg->default_user = "guest";
    cfg->default_pass = "guest";
    cfg->default_vhost = "/";
    cfg->guest_loopback_only = true;
    cfg->heartbeat = 60;
    cfg->frame_max = 131072;
    cfg->channel_max = 2047;
    cfg->connection_max = UINT32_MAX;
    cfg->consumer_max_per_channel = UINT32_MAX;
    cfg->max_message_size = 134217728;
    cfg->handshake_timeout_ms = 10000;
    cfg->consumer_timeout_ms = 1800000;
    cfg->mem_watermark_relative = 0.4; /* RabbitMQ 3.x defaults (F-01, F-02) */
    cfg->disk_free_limit = 50000000;
    cfg->node_type = "disc";
    cfg->store_compact_ms = 5000;
    cfg->tls_port = -1;
    cfg->tls_depth = 10; /* Erlang's ssl default */
    cfg->mgmt_port = 15672;
    cfg->prometheus_port = 15692;
    cfg->mgmt_tls_port = -1;
    cfg->mgmt_tls_depth = 10;
}

static void
wr_cfg_store_int(void *field, size_t size, uint64_t v)
{
    switch (size) {
    case 2:
        *(uint16_t *)field = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)field = (uint32_t)v;
        break;
    case 8:
        *(uint64_t *)field = v;
        break;
    default:
        wr_panic("config field of size %zu", size);
    }
}

/* Strings from the config file live as long as the process: this list keeps them reachable
 * (no leak reports) and lets wr_config_free release them. */
static char **wr_cfg_owned;
static size_t wr_cfg_nowned;

static const char *
wr_cfg_keep(char *s)
{
    wr_cfg_owned = wr_xrealloc(wr_cfg_owned, (wr_cfg_nowned + 1) * sizeof(*wr_cfg_owned));
    wr_cfg_owned[wr_cfg_nowned++] = s;
    return s;
}

void
wr_config_free(struct wr_config *cfg)
{
    for (size_t i = 0; i < wr_cfg_nowned; i++)
        free(wr_cfg_owned[i]);
    free(wr_cfg_owned);
    wr_cfg_owned = NULL;
    wr_cfg_nowned = 0;
    wr_config_defaults(cfg);
}

static int
wr_cfg_set_name(const struct wr_cfg_key *k, void *field, const char *val, char *err, size_t errcap)
{
    for (size_t i = 0; i < sizeof(wr_cfg_names) / sizeof(wr_cfg_names[0]); i++) {
        const struct wr_cfg_name *n = &wr_cfg_names[i];
        if (strcmp(n->key, k->key) != 0 || strcmp(n->name, val) != 0)
            continue;
        if (k->type == WR_CFG_FLAGS)
            *(int *)field |= n->value;
        else
            *(int *)field = n->value;
        return 0;
    }
    snprintf(err, errcap, "invalid value '%s' for %s", val, k->key);
    return -1;
}

static void
wr_cfg_append(void *field, const char *val)
{
    const char *old = *(const char **)field;
    size_t n = (old ? strlen(old) + 1 : 0) + strlen(val) + 1;
    char *s = wr_xmalloc(n);

    snprintf(s, n, "%s%s%s", old ? old : "", old ? ":" : "", val);
    *(const char **)field = wr_cfg_keep(s);
}

/* RabbitMQ's information units: kB/MB/GB are powers of 1000, KiB/MiB/GiB (and k/M/G) of 1024. */
int
wr_config_parse_bytes(const char *val, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},         {"kB", 1000},        {"KB", 1000},
                 {"MB", 1000000}, {"GB", 1000000000},  {"KiB", 1024},
                 {"k", 1024},     {"K", 1024},         {"MiB", 1048576},
                 {"M", 1048576},  {"GiB", 1073741824}, {"G", 1073741824}};
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(val, &end, 10);
    if (errno || end == val || val[0] == '-')
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            *out = v * units[i].mul;
            return 0;
        }
    }
    return -1;
}

static int
wr_cfg_set_number(const struct wr_cfg_key *k, void *field, const char *val, char *err,
                  size_t errcap)
{
    char *end;
    double d;

    if (k->type == WR_CFG_BYTES) {
        if (wr_config_parse_bytes(val, (uint64_t *)field) == 0)
            return 0;
        snprintf(err, errcap, "invalid value '%s' for %s (expected bytes, e.g. 512MB or 2GiB)", val,
                 k->key);
        return -1;
    }
    errno = 0;
    d = strtod(val, &end);
    if (errno || end == val || *end || d < 0) {
        snprintf(err, errcap, "invalid value '%s' for %s (expected a number such as 0.4)", val,
                 k->key);
        return -1;
    }
    *(double *)field = d;
    return 0;
}

/* RabbitMQ refuses to boot on a TLS file it cannot read ("file does not exist or cannot be read
 * by the node"); a directory fails too. */
static bool
wr_cfg_readable(const char *path)
{
    FILE *f = fopen(path, "r");
    bool ok = f != NULL && fgetc(f) != EOF;

    ok = ok || (f != NULL && !ferror(f)); /* an empty file is readable, a directory is not */
    if (f != NULL)
        fclose(f);
    return ok;
}

static int
wr_cfg_set(struct wr_config *cfg, const struct wr_cfg_key *k, const char *val, char *err,
           size_t errcap)
{
    void *field = (char *)cfg + k->offset;
    char *end;
    enum wr_log_level level;

    switch (k->type) {
    case WR_CFG_INT: {
        if (strcmp(val, "infinity") == 0 && wr_cfg_set_name(k, field, val, err, errcap) == 0)
            return 0;
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-' || v < k->min || v > k->max) {
            snprintf(err, errcap, "invalid value '%s' for %s (expected %llu..%llu)", val, k->key,
                     (unsigned long long)k->min, (unsigned long long)k->max);
            return -1;
        }
        if (k->offset == offsetof(struct wr_config, port))
            cfg->port = (int)v;
        else
            wr_cfg_store_int(field, k->size, v);
        return 0;
    }
    case WR_CFG_FILE:
        if (!wr_cfg_readable(val)) {
            snprintf(err, errcap,
                     "invalid value '%s' for %s: file does not exist or cannot be read", val,
                     k->key);
            return -1;
        }
        /* fall through */
    case WR_CFG_STR:
        *(const char **)field = wr_cfg_keep(wr_xstrdup(val));
        return 0;
    case WR_CFG_BOOL:
        /* loopback_users.guest = false lets guest in from anywhere */
        if (strcmp(val, "true") && strcmp(val, "false")) {
            snprintf(err, errcap, "invalid value '%s' for %s (expected true or false)", val,
                     k->key);
            return -1;
        }
        *(bool *)field = strcmp(val, "true") == 0;
        return 0;
    case WR_CFG_LEVEL:
        if (wr_log_parse_level(val, &level) < 0) {
            snprintf(err, errcap, "invalid log level '%s' for %s", val, k->key);
            return -1;
        }
        *(int *)field = (int)level;
        return 0;
    case WR_CFG_CHOICE:
    case WR_CFG_FLAGS:
        return wr_cfg_set_name(k, field, val, err, errcap);
    case WR_CFG_LIST:
        wr_cfg_append(field, val);
        return 0;
    case WR_CFG_BYTES:
    case WR_CFG_RATIO:
        return wr_cfg_set_number(k, field, val, err, errcap);
    }
    return -1;
}

static char *
wr_cfg_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool
wr_cfg_key_match(const char *pattern, const char *key)
{
    size_t n = strlen(pattern);

    if (n == 0 || pattern[n - 1] != '*')
        return strcmp(pattern, key) == 0;
    if (strncmp(pattern, key, n - 1) != 0 || key[n - 1] == '\0')
        return false;
    for (key += n - 1; *key; key++) {
        if (!isdigit((unsigned char)*key))
            return false;
    }
    return true;
}

static int
wr_cfg_line(struct wr_config *cfg, char *line, char *err, size_t errcap)
{
    char *eq = strchr(line, '=');

    if (eq == NULL) {
        snprintf(err, errcap, "expected 'key = value'");
        return -1;
    }
    *eq = '\0';
    char *key = wr_cfg_trim(line), *val = wr_cfg_trim(eq + 1);
    for (size_t i = 0; i < sizeof(wr_cfg_keys) / sizeof(wr_cfg_keys[0]); i++) {
        if (!wr_cfg_key_match(wr_cfg_keys[i].key, key))
            continue;
        if (strncmp(key, "management.tcp.", 15) == 0)
            cfg->mgmt_tcp_given = true;
        else if (strncmp(key, "management.ssl.", 15) == 0)
            cfg->mgmt_tls_given = true;
        return wr_cfg_set(cfg, &wr_cfg_keys[i], val, err, errcap);
    }
    snprintf(err, errcap, "unknown or unsupported key '%s'", key);
    return -1;
}

int
wr_config_parse(struct wr_config *cfg, const char *text, size_t len, const char *name, char *err,
                size_t errcap)
{
    char line[4096], why[512];
    int lineno = 0;

    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        lineno++;
        if (n >= sizeof(line)) {
            snprintf(err, errcap, "%s:%d: line longer than %zu bytes", name, lineno,
                     sizeof(line) - 1);
            return -1;
        }
        memcpy(line, text, n);
        line[n] = '\0';
        text += n + (nl != NULL), len -= n + (nl != NULL);
        char *s = wr_cfg_trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (wr_cfg_line(cfg, s, why, sizeof(why)) < 0) {
            snprintf(err, errcap, "%s:%d: %s", name, lineno, why);
            return -1;
        }
    }
    /* RabbitMQ's management plugin starts an HTTPS listener whenever any management.ssl key is
     * set, on 15671 by default, and then keeps the plain one only if management.tcp is set */
    if (cfg->mgmt_tls_given) {
        if (cfg->mgmt_tls_port < 0)
            cfg->mgmt_tls_port = 15671;
        if (!cfg->mgmt_tcp_given)
            cfg->mgmt_port = -1;
    }
    return 0;
}

int
wr_config_load(struct wr_config *cfg, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

    if (f == NULL) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (cap - len < 4096)
            text = wr_xrealloc(text, cap = cap * 2 + 4096);
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    rc = ferror(f) ? -1 : 0;
    if (rc < 0)
        snprintf(err, errcap, "%s: read error", path);
    fclose(f);
    if (rc == 0)
        rc = wr_config_parse(cfg, text, len, path, err, errcap);
    free(text);
    return rc;
}

static void
wr_config_usage(FILE *out)
{
    fprintf(out,
            "usage: warren [--config FILE] [--port N] [--bind ADDR]... [--data-dir DIR]\n"
            "              [--ready-file F] [--log-level error|warning|info|debug]\n"
            "              [--tls-port N] [--ctl-socket PATH] [--mgmt-port N]\n"
            "              [--mgmt-tls-port N] [--prometheus-port N]\n"
            "  --port 0 picks an ephemeral port; --ready-file receives 'port=N' once\n"
            "  connections are accepted ('tls_port=N' too with a TLS listener, whose\n"
            "  certificates come from ssl_options.*). The config file uses rabbitmq.conf syntax;\n"
            "  the environment variable WARREN_CONFIG_FILE names it too. warrenctl talks to\n"
            "  the broker on --ctl-socket (default DATA_DIR/warren.sock). --mgmt-port and\n"
            "  --prometheus-port move the HTTP API and metrics (-1 = off, 0 = ephemeral; the\n"
            "  ready file then gets 'mgmt_port=N' and 'prometheus_port=N'). --mgmt-tls-port\n"
            "  serves the same API over HTTPS with the certificates of management.ssl.*\n"
            "  ('mgmt_tls_port=N').\n");
}

int
wr_config_args(struct wr_config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},
            {"port", required_argument, NULL, 'p'},
            {"bind", required_argument, NULL, 'b'},
            {"data-dir", required_argument, NULL, 'd'},
            {"ready-file", required_argument, NULL, 'r'},
            {"ctl-socket", required_argument, NULL, 'C'},
            {"log-level", required_argument, NULL, 'l'},
            {"tls-port", required_argument, NULL, 't'},
            {"mgmt-port", required_argument, NULL, 'M'},
            {"mgmt-tls-port", required_argument, NULL, 'S'},
            {"prometheus-port", required_argument, NULL, 'P'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    char err[600];
    const char *path = getenv("WARREN_CONFIG_FILE");
    int c, port = -1, level = -1, tls_port = -1, http_port[3] = {-2, -2, -2};
    enum wr_log_level lv;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:b:d:r:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            if (port < 0 || port > 65535) {
                fprintf(stderr, "warren: invalid port '%s'\n", optarg);
                return -1;
            }
            break;
        case 't':
            tls_port = atoi(optarg);
            if (tls_port < 0 || tls_port > 65535) {
                fprintf(stderr, "warren: invalid TLS port '%s'\n", optarg);
                return -1;
            }
            break;
        case 'M':
        case 'P':
        case 'S': {
            /* -1 turns the listener off, so tests need not fight over 15672 */
            int i = c == 'M' ? 0 : c == 'P' ? 1 : 2;
            http_port[i] = atoi(optarg);
            if (http_port[i] < -1 || http_port[i] > 65535) {
                fprintf(stderr, "warren: invalid HTTP port '%s'\n", optarg);
                return -1;
            }
            break;
        }
        case 'b':
            if (cfg->nbinds == WR_MAX_BINDS) {
                fprintf(stderr, "warren: too many --bind addresses\n");
                return -1;
            }
            cfg->binds[cfg->nbinds++] = optarg;
            break;
        case 'd':
            cfg->data_dir = optarg;
            break;
        case 'r':
            cfg->ready_file = optarg;
            break;
        case 'C':
            cfg->ctl_socket = optarg;
            break;
        case 'l':
            if (wr_log_parse_level(optarg, &lv) < 0) {
                fprintf(stderr, "warren: invalid log level '%s'\n", optarg);
                return -1;
            }
            level = (int)lv;
            break;
        case 'h':
            wr_config_usage(stdout);
            return 1;
        default:
            wr_config_usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        wr_config_usage(stderr);
        return -1;
    }
    if (path != NULL && wr_config_load(cfg, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "warren: config error: %s\n", err);
        return -1;
    }
    /* command-line flags win over the file */
    if (port >= 0)
        cfg->port = port;
    if (level >= 0)
        cfg->log_level = level;
    if (tls_port >= 0)
        cfg->tls_port = tls_port;
    if (http_port[0] >= -1)
        cfg->mgmt_port = http_port[0];
    if (http_port[1] >= -1)
        cfg->prometheus_port = http_port[1];
    if (http_port[2] >= -1)
        cfg->mgmt_tls_port = http_port[2];
    return 0;
}
