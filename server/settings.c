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

enum wr_cfg_type { WR_CFG_INT, WR_CFG_STR, WR_CFG_BOOL, WR_CFG_LEVEL };

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
        {"max_message_size", WR_CFG_INT, F(max_message_size), 1, 536870912},
        {"handshake_timeout", WR_CFG_INT, F(handshake_timeout_ms), 1, 0xffffffff},
        {"consumer_timeout", WR_CFG_INT, F(consumer_timeout_ms), 0, 0xffffffff},
        {"log.console.level", WR_CFG_LEVEL, F(log_level), 0, 0},
        {"log.file.level", WR_CFG_LEVEL, F(log_level), 0, 0},
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
    cfg->max_message_size = 134217728;
    cfg->handshake_timeout_ms = 10000;
    cfg->consumer_timeout_ms = 1800000;
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

static int
wr_cfg_set(struct wr_config *cfg, const struct wr_cfg_key *k, const char *val, char *err,
           size_t errcap)
{
    void *field = (char *)cfg + k->offset;
    char *end;
    enum wr_log_level level;

    switch (k->type) {
    case WR_CFG_INT: {
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
    case WR_CFG_STR:
        *(const char **)field = wr_xstrdup(val);
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
        if (strcmp(wr_cfg_keys[i].key, key) == 0)
            return wr_cfg_set(cfg, &wr_cfg_keys[i], val, err, errcap);
    }
    snprintf(err, errcap, "unknown or unsupported key '%s'", key);
    return -1;
}

int
wr_config_load(struct wr_config *cfg, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    char line[4096], why[512];
    int lineno = 0, rc = 0;

    if (f == NULL) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *s = wr_cfg_trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (wr_cfg_line(cfg, s, why, sizeof(why)) < 0) {
            snprintf(err, errcap, "%s:%d: %s", path, lineno, why);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

static void
wr_config_usage(FILE *out)
{
    fprintf(out, "usage: warren [--config FILE] [--port N] [--bind ADDR]... [--data-dir DIR]\n"
                 "              [--ready-file F] [--log-level error|warning|info|debug]\n"
                 "  --port 0 picks an ephemeral port; --ready-file receives 'port=N' once\n"
                 "  connections are accepted. The config file uses rabbitmq.conf syntax;\n"
                 "  the environment variable WARREN_CONFIG_FILE names it too.\n");
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
            {"log-level", required_argument, NULL, 'l'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    char err[600];
    const char *path = getenv("WARREN_CONFIG_FILE");
    int c, port = -1, level = -1;
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
    return 0;
}
