/* SPDX-License-Identifier: MPL-2.0 */
/* Management listeners: evhttp setup (plain and HTTPS), the route table, URL decoding, HTTP basic
 * auth against Warren's users and their tags, request bodies and the reply helpers. The
 * endpoints themselves live in mgmt_api_*.c, the object shapes in mgmt_json.c. */
#include "server/mgmt.h"

#include "server/broker.h"
#include "server/clock.h"
#include "server/conn.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/mgmt_internal.h"
#include "server/regex.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/tls.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MGMT_MAX_BODY    (16u * 1024 * 1024) /* a definitions import of a large broker fits */
#define MGMT_MAX_HEADERS (64u * 1024)
#define MGMT_TIMEOUT_S   30

struct wr_mgmt {
    struct wr_broker *b;
    struct evhttp *api, *prom, *api_tls;
    int api_port, prom_port, api_tls_port;
    SSL_CTX *tls_ctx; /* management.ssl.*, for api_tls */
    struct event *sampler;
};

enum { MGMT_GET = 1, MGMT_PUT = 2, MGMT_POST = 4, MGMT_DELETE = 8 };

/* One endpoint: method, path pattern (':x' captures a segment), handler, least tag, and whether
 * it takes a JSON object body. Order matters only where patterns overlap; none do. */
struct mgmt_route {
    unsigned method;
    const char *path;
    mgmt_handler *fn;
    unsigned tag;
    bool body;
};

static const struct mgmt_route mgmt_routes[] = {
        {MGMT_GET, "", mgmt_ui_index, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "metrics", mgmt_metrics_get, MGMT_T_NONE, false},
        {MGMT_GET, "metrics/per-object", mgmt_metrics_per_object, MGMT_T_NONE, false},
        {MGMT_GET, "api/overview", mgmt_api_overview, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/nodes", mgmt_api_nodes, MGMT_T_MONITORING, false},
        {MGMT_GET, "api/nodes/:node", mgmt_api_node, MGMT_T_MONITORING, false},
        {MGMT_GET, "api/whoami", mgmt_api_whoami, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/health/checks/alarms", mgmt_api_health_alarms, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/health/checks/local-alarms", mgmt_api_health_alarms, MGMT_T_MANAGEMENT,
         false},
        {MGMT_GET, "api/vhosts", mgmt_api_vhosts, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/vhosts/:vh", mgmt_api_vhost_get, MGMT_T_MANAGEMENT, false},
        {MGMT_PUT, "api/vhosts/:vh", mgmt_api_vhost_put, MGMT_T_ADMIN, true},
        {MGMT_DELETE, "api/vhosts/:vh", mgmt_api_vhost_delete, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/vhosts/:vh/permissions", mgmt_api_vhost_perms, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/vhosts/:vh/connections", mgmt_api_connections, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/vhosts/:vh/channels", mgmt_api_channels, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/connections", mgmt_api_connections, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/connections/:c", mgmt_api_connection_get, MGMT_T_MANAGEMENT, false},
        {MGMT_DELETE, "api/connections/:c", mgmt_api_connection_delete, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/connections/:c/channels", mgmt_api_channels, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/channels", mgmt_api_channels, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/channels/:ch", mgmt_api_channel_get, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/consumers", mgmt_api_consumers, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/consumers/:vh", mgmt_api_consumers, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/users", mgmt_api_users, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/users/:u", mgmt_api_user_get, MGMT_T_ADMIN, false},
        {MGMT_PUT, "api/users/:u", mgmt_api_user_put, MGMT_T_ADMIN, true},
        {MGMT_DELETE, "api/users/:u", mgmt_api_user_delete, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/users/:u/permissions", mgmt_api_user_perms, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/permissions", mgmt_api_perms, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/permissions/:vh/:u", mgmt_api_perm_get, MGMT_T_ADMIN, false},
        {MGMT_PUT, "api/permissions/:vh/:u", mgmt_api_perm_put, MGMT_T_ADMIN, true},
        {MGMT_DELETE, "api/permissions/:vh/:u", mgmt_api_perm_delete, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/queues", mgmt_api_queues, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/queues/:vh", mgmt_api_queues, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/queues/:vh/:q", mgmt_api_queue_get, MGMT_T_MANAGEMENT, false},
        {MGMT_DELETE, "api/queues/:vh/:q", mgmt_api_queue_delete, MGMT_T_MANAGEMENT, false},
        {MGMT_DELETE, "api/queues/:vh/:q/contents", mgmt_api_queue_purge, MGMT_T_MANAGEMENT, false},
        {MGMT_PUT, "api/queues/:vh/:q", mgmt_api_queue_put, MGMT_T_MANAGEMENT, true},
        {MGMT_POST, "api/queues/:vh/:q/get", mgmt_api_queue_get_msgs, MGMT_T_MANAGEMENT, true},
        {MGMT_GET, "api/exchanges", mgmt_api_exchanges, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/exchanges/:vh", mgmt_api_exchanges, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/exchanges/:vh/:x", mgmt_api_exchange_get, MGMT_T_MANAGEMENT, false},
        {MGMT_PUT, "api/exchanges/:vh/:x", mgmt_api_exchange_put, MGMT_T_MANAGEMENT, true},
        {MGMT_DELETE, "api/exchanges/:vh/:x", mgmt_api_exchange_delete, MGMT_T_MANAGEMENT, false},
        {MGMT_POST, "api/exchanges/:vh/:x/publish", mgmt_api_exchange_publish, MGMT_T_MANAGEMENT,
         true},
        {MGMT_GET, "api/bindings", mgmt_api_bindings, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/bindings/:vh", mgmt_api_bindings, MGMT_T_MANAGEMENT, false},
        {MGMT_POST, "api/bindings/:vh/e/:x/q/:q", mgmt_api_binding_post, MGMT_T_MANAGEMENT, true},
        {MGMT_GET, "api/bindings/:vh/e/:x/q/:q", mgmt_api_bindings_between, MGMT_T_MANAGEMENT,
         false},
        {MGMT_GET, "api/bindings/:vh/e/:x/q/:q/:props", mgmt_api_binding_get, MGMT_T_MANAGEMENT,
         false},
        {MGMT_DELETE, "api/bindings/:vh/e/:x/q/:q/:props", mgmt_api_binding_delete,
         MGMT_T_MANAGEMENT, false},
        {MGMT_POST, "api/bindings/:vh/e/:x/e/:y", mgmt_api_binding_post, MGMT_T_MANAGEMENT, true},
        {MGMT_GET, "api/bindings/:vh/e/:x/e/:y", mgmt_api_bindings_between, MGMT_T_MANAGEMENT,
         false},
        {MGMT_GET, "api/bindings/:vh/e/:x/e/:y/:props", mgmt_api_binding_get, MGMT_T_MANAGEMENT,
         false},
        {MGMT_DELETE, "api/bindings/:vh/e/:x/e/:y/:props", mgmt_api_binding_delete,
         MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/policies", mgmt_api_policies, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/policies/:vh", mgmt_api_policies, MGMT_T_MANAGEMENT, false},
        {MGMT_GET, "api/policies/:vh/:name", mgmt_api_policy_get, MGMT_T_MANAGEMENT, false},
        {MGMT_PUT, "api/policies/:vh/:name", mgmt_api_policy_put, MGMT_T_POLICYMAKER, true},
        {MGMT_DELETE, "api/policies/:vh/:name", mgmt_api_policy_delete, MGMT_T_POLICYMAKER, false},
        {MGMT_GET, "api/global-parameters", mgmt_api_gparams, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/global-parameters/:name", mgmt_api_gparam_get, MGMT_T_ADMIN, false},
        {MGMT_PUT, "api/global-parameters/:name", mgmt_api_gparam_put, MGMT_T_ADMIN, true},
        {MGMT_DELETE, "api/global-parameters/:name", mgmt_api_gparam_delete, MGMT_T_ADMIN, false},
        {MGMT_GET, "api/cluster-name", mgmt_api_cluster_name_get, MGMT_T_MANAGEMENT, false},
        {MGMT_PUT, "api/cluster-name", mgmt_api_cluster_name_put, MGMT_T_ADMIN, true},
        {MGMT_GET, "api/definitions", mgmt_api_definitions_get, MGMT_T_ADMIN, false},
        {MGMT_POST, "api/definitions", mgmt_api_definitions_post, MGMT_T_ADMIN, false},
};

/* The Prometheus port serves the metrics and nothing else, without a login, as RabbitMQ's. */
static const struct mgmt_route mgmt_prom_routes[] = {
        {MGMT_GET, "metrics", mgmt_metrics_get, MGMT_T_NONE, false},
        {MGMT_GET, "metrics/per-object", mgmt_metrics_per_object, MGMT_T_NONE, false},
};

/* ---- replies ------------------------------------------------------------------------------ */

static const char *
mgmt_status_text(int code)
{
    static const struct {
        int code;
        const char *text;
    } t[] = {{200, "OK"},
             {201, "Created"},
             {204, "No Content"},
             {400, "Bad Request"},
             {401, "Unauthorized"},
             {404, "Not Found"},
             {405, "Method Not Allowed"},
             {413, "Payload Too Large"},
             {500, "Internal Server Error"},
             {503, "Service Unavailable"}};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].code == code)
            return t[i].text;
    return "Unknown";
}

static int
mgmt_dump_cb(const char *buf, size_t len, void *arg)
{
    return evbuffer_add(arg, buf, len);
}

void
mgmt_reply_json(struct mgmt_req *r, int code, json_t *json)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(r->req);

    if (json == NULL || json_dump_callback(json, mgmt_dump_cb, out, JSON_COMPACT) < 0) {
        json_decref(json);
        evhttp_send_error(r->req, 500, NULL);
        return;
    }
    json_decref(json);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
                      "application/json");
    evhttp_send_reply(r->req, code, mgmt_status_text(code), NULL);
}

void
mgmt_reply_empty(struct mgmt_req *r, int code)
{
    evhttp_send_reply(r->req, code, mgmt_status_text(code), NULL);
}

void
mgmt_reply_text(struct mgmt_req *r, int code, const char *ctype, struct evbuffer *body)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type", ctype);
    evhttp_send_reply(r->req, code, mgmt_status_text(code), body);
}

void
mgmt_reply_error(struct mgmt_req *r, int code, const char *error, const char *reason)
{
    mgmt_reply_json(r, code, json_pack("{s:s, s:s}", "error", error, "reason", reason));
}

void
mgmt_not_found(struct mgmt_req *r)
{
    mgmt_reply_error(r, 404, "Object Not Found", "Not Found");
}

void
mgmt_bad_request(struct mgmt_req *r, const char *reason)
{
    mgmt_reply_error(r, 400, "bad_request", reason);
}

bool
mgmt_query_true(struct mgmt_req *r, const char *key)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
    struct evkeyvalq kv;
    const char *v;
    bool on;

    if (q == NULL || evhttp_parse_query_str(q, &kv) != 0)
        return false;
    v = evhttp_find_header(&kv, key);
    on = v != NULL && strcmp(v, "true") == 0;
    evhttp_clear_headers(&kv);
    return on;
}

/* ---- vhost visibility --------------------------------------------------------------------- */

bool
mgmt_vhost_visible(const struct mgmt_req *r, const char *vhost)
{
    if (r->tags & (MGMT_T_ADMIN | MGMT_T_MONITORING))
        return true;
    return r->user != NULL && wr_user_has_vhost(r->user, vhost, strlen(vhost));
}

struct wr_vhost *
mgmt_vhost_arg(struct mgmt_req *r, int i)
{
    const char *name = r->arg[i];
    struct wr_vhost *vh = wr_broker_vhost(r->b, name, strlen(name));

    if (vh == NULL || !mgmt_vhost_visible(r, name)) {
        mgmt_not_found(r);
        return NULL;
    }
    return vh;
}

void
mgmt_foreach_vhost(struct mgmt_req *r, mgmt_vhost_visit *cb, void *arg)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_broker_vhosts(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        if (mgmt_vhost_visible(r, wr_vhost_name(val)))
            cb(r, val, arg);
}

bool
mgmt_visit_vhost_arg(struct mgmt_req *r, mgmt_vhost_visit *cb, void *arg)
{
    struct wr_vhost *vh = NULL;

    if (r->nseg == 3 && (vh = mgmt_vhost_arg(r, 0)) == NULL)
        return false;
    if (vh != NULL)
        cb(r, vh, arg);
    else
        mgmt_foreach_vhost(r, cb, arg);
    return true;
}

/* RabbitMQ answers a refused resource permission as a failed login, whatever the resource. */
bool
mgmt_perm(struct mgmt_req *r, const char *vhost, enum wr_perm_kind kind, const char *name)
{
    const struct wr_perm *p = wr_user_perm(r->user, vhost, strlen(vhost));

    if (p != NULL && p->re[kind] != NULL && wr_regex_match(p->re[kind], name, strlen(name)))
        return true;
    mgmt_reply_error(r, 401, "not_authorised", "Access refused.");
    return false;
}

struct wr_vhost *
mgmt_vhost_write_arg(struct mgmt_req *r, int i)
{
    struct wr_vhost *vh = wr_broker_vhost(r->b, r->arg[i], strlen(r->arg[i]));

    if (vh == NULL)
        mgmt_reply_error(r, 404, "not_found", "vhost_not_found");
    return vh;
}

/* ---- path and routing --------------------------------------------------------------------- */

/* Splits the raw path at '/' and decodes each segment on its own, so "%2F" (vhost "/") stays
 * inside its segment. A segment decoding to a NUL byte cannot name anything: -1. */
static int
mgmt_split_path(struct mgmt_req *r)
{
    const char *p = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->req));

    if (p == NULL)
        return 0;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        size_t n = strcspn(p, "/"), dlen;
        char *raw = wr_xstrndup(p, n), *dec;

        if (r->nseg == MGMT_MAX_SEGS) {
            free(raw);
            return -1;
        }
        dec = evhttp_uridecode(raw, 0, &dlen);
        free(raw);
        if (dec == NULL || strlen(dec) != dlen) {
            free(dec);
            return -1;
        }
        r->seg[r->nseg++] = dec;
        p += n;
        if (*p == '/')
            p++;
    }
    return 0;
}

static bool
mgmt_route_match(const char *pat, struct mgmt_req *r)
{
    int i = 0, na = 0;

    while (*pat != '\0') {
        size_t n = strcspn(pat, "/");

        if (i == r->nseg)
            return false;
        if (*pat == ':')
            r->arg[na < MGMT_MAX_ARGS ? na++ : na - 1] = r->seg[i];
        else if (strlen(r->seg[i]) != n || memcmp(r->seg[i], pat, n) != 0)
            return false;
        i++;
        pat += n + (pat[n] == '/');
    }
    return i == r->nseg;
}

static unsigned
mgmt_method(struct evhttp_request *req)
{
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
    case EVHTTP_REQ_HEAD:
        return MGMT_GET;
    case EVHTTP_REQ_PUT:
        return MGMT_PUT;
    case EVHTTP_REQ_POST:
        return MGMT_POST;
    case EVHTTP_REQ_DELETE:
        return MGMT_DELETE;
    default:
        return 0;
    }
}

/* The route for the request; NULL after replying 404, or 405 with Allow when the path exists
 * under other methods (RabbitMQ checks the method before the login). */
static const struct mgmt_route *
mgmt_route_find(struct mgmt_req *r, const struct mgmt_route *t, size_t n)
{
    static const char *const names[] = {"GET, HEAD", "PUT", "POST", "DELETE"};
    unsigned method = mgmt_method(r->req), allowed = 0;
    char allow[64] = "";

    for (size_t i = 0; i < n; i++) {
        if (!mgmt_route_match(t[i].path, r))
            continue;
        if (t[i].method & method)
            return &t[i];
        allowed |= t[i].method;
    }
    if (allowed == 0) {
        mgmt_not_found(r);
        return NULL;
    }
    for (unsigned i = 0; i < 4; i++)
        if (allowed & (1u << i))
            snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
                     allow[0] ? ", " : "", names[i]);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow", allow);
    mgmt_reply_empty(r, 405);
    return NULL;
}

/* ---- authentication ----------------------------------------------------------------------- */

static unsigned
mgmt_tag_bits(const char *tags)
{
    static const struct {
        const char *name;
        unsigned bit;
    } t[] = {{"management", MGMT_T_MANAGEMENT},
             {"policymaker", MGMT_T_POLICYMAKER | MGMT_T_MANAGEMENT},
             {"monitoring", MGMT_T_MONITORING | MGMT_T_MANAGEMENT},
             {"administrator",
              MGMT_T_ADMIN | MGMT_T_MONITORING | MGMT_T_POLICYMAKER | MGMT_T_MANAGEMENT}};
    char *copy = wr_xstrdup(tags), *save = NULL;
    unsigned bits = 0;

    for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
            if (strcmp(tok, t[i].name) == 0)
                bits |= t[i].bit;
    free(copy);
    return bits;
}

static bool
mgmt_peer_is_loopback(struct evhttp_request *req)
{
    char *addr = NULL;
    uint16_t port;

    evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
    return addr != NULL && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
                            strncmp(addr, "::ffff:127.", 11) == 0);
}

/* Decodes "Authorization: Basic base64(user:pass)" and checks it; NULL when absent or wrong. */
static const struct wr_user *
mgmt_basic_login(struct mgmt_req *r, bool *given)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Authorization");
    unsigned char buf[1024];
    const unsigned char *colon;
    size_t len;
    int n;

    *given = h != NULL;
    if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
        return NULL;
    h += 6 + strspn(h + 6, " ");
    len = strlen(h);
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(buf) - 1)
        return NULL;
    n = EVP_DecodeBlock(buf, (const unsigned char *)h, (int)len);
    if (n < 0)
        return NULL;
    n -= (h[len - 1] == '=') + (h[len - 2] == '='); /* EVP_DecodeBlock counts padding */
    colon = memchr(buf, ':', (size_t)n);
    if (colon == NULL)
        return NULL;
    return wr_broker_authenticate(r->b, (const char *)buf, (size_t)(colon - buf),
                                  (const char *)colon + 1, (size_t)(n - (colon - buf) - 1));
}

static const char *
mgmt_missing_tag_reason(unsigned need)
{
    if (need & MGMT_T_ADMIN)
        return "Not administrator user";
    if (need & MGMT_T_MONITORING)
        return "Not monitor user";
    if (need & MGMT_T_POLICYMAKER)
        return "Not policymaker user";
    return "Not management user";
}

/* 401 as RabbitMQ answers it: an empty body when no credentials came, a reason otherwise. */
static bool
mgmt_authorize(struct mgmt_req *r, unsigned need)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
    bool given;

    if (need == MGMT_T_NONE)
        return true;
    r->user = mgmt_basic_login(r, &given);
    if (r->user != NULL && wr_user_loopback_only(r->user) && !mgmt_peer_is_loopback(r->req))
        r->user = NULL;
    if (r->user == NULL) {
        evhttp_add_header(out, "WWW-Authenticate", "Basic realm=\"RabbitMQ Management\"");
        if (given)
            mgmt_reply_error(r, 401, "not_authorized", "Login failed");
        else
            mgmt_reply_empty(r, 401);
        return false;
    }
    r->tags = mgmt_tag_bits(wr_user_tags(r->user));
    if ((r->tags & need) == need)
        return true;
    mgmt_reply_error(
            r, 401, "not_authorised",
            mgmt_missing_tag_reason(r->tags & MGMT_T_MANAGEMENT ? need : MGMT_T_MANAGEMENT));
    return false;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

/* An absent body is an empty object (PUT /api/vhosts/x with no body creates it). */
static int
mgmt_parse_body(struct mgmt_req *r)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t len = evbuffer_get_length(in);
    json_error_t jerr;

    r->body =
            len ? json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &jerr) : json_object();
    if (json_is_object(r->body))
        return 0;
    mgmt_bad_request(r, "not_json");
    return -1;
}

static void
mgmt_serve(struct wr_mgmt *m, struct evhttp_request *req, const struct mgmt_route *t, size_t n)
{
    struct mgmt_req r = {.req = req, .b = m->b};
    const struct mgmt_route *rt;

    if (mgmt_split_path(&r) < 0)
        mgmt_not_found(&r);
    else if ((rt = mgmt_route_find(&r, t, n)) != NULL && mgmt_authorize(&r, rt->tag) &&
             (!rt->body || mgmt_parse_body(&r) == 0))
        rt->fn(&r);
    for (int i = 0; i < r.nseg; i++)
        free(r.seg[i]);
    json_decref(r.body);
}

static void
mgmt_api_cb(struct evhttp_request *req, void *arg)
{
    mgmt_serve(arg, req, mgmt_routes, sizeof(mgmt_routes) / sizeof(mgmt_routes[0]));
}

static void
mgmt_prom_cb(struct evhttp_request *req, void *arg)
{
    mgmt_serve(arg, req, mgmt_prom_routes, sizeof(mgmt_prom_routes) / sizeof(mgmt_prom_routes[0]));
}

/* ---- listeners ---------------------------------------------------------------------------- */

static int
mgmt_bound_port(struct evhttp_bound_socket *h)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    evutil_socket_t fd = evhttp_bound_socket_get_fd(h);

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

/* evhttp asks for each accepted connection's bufferevent before it has the socket: an OpenSSL
 * one in the accepting state runs the server handshake before any HTTP is read. A client that
 * is not speaking TLS fails the handshake, and evhttp closes that connection alone. */
static struct bufferevent *
mgmt_tls_bev(struct event_base *base, void *arg)
{
    struct wr_mgmt *m = arg;
    SSL *ssl = SSL_new(m->tls_ctx);
    struct bufferevent *bev = NULL;

    if (ssl != NULL)
        bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE);
    /* both fail only without memory; returning NULL would make evhttp serve this connection
     * as plain HTTP on the HTTPS port, so it is treated as every other allocation failure */
    if (bev == NULL)
        wr_panic("out of memory for an HTTPS connection");
    /* browsers and curl often close without close_notify; that is an end, not an error */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* Binds the first --bind address, else every address ("::" is dual-stack on Linux; "0.0.0.0"
 * where IPv6 is off). With tls, every connection is HTTPS with m->tls_ctx. */
static struct evhttp *
mgmt_listen(struct wr_mgmt *m, int port, void (*cb)(struct evhttp_request *, void *), int *bound,
            const char *what, bool tls)
{
    const struct wr_config *cfg = wr_broker_config(m->b);
    struct evhttp *http = evhttp_new(wr_broker_base(m->b));
    struct evhttp_bound_socket *h = NULL;

    if (tls)
        evhttp_set_bevcb(http, mgmt_tls_bev, m);

    evhttp_set_max_body_size(http, MGMT_MAX_BODY);
    evhttp_set_max_headers_size(http, MGMT_MAX_HEADERS);
    evhttp_set_timeout(http, MGMT_TIMEOUT_S);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                             EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                                             EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(http, cb, m);
    if (cfg->nbinds > 0)
        h = evhttp_bind_socket_with_handle(http, cfg->binds[0], (uint16_t)port);
    else if ((h = evhttp_bind_socket_with_handle(http, "::", (uint16_t)port)) == NULL)
        h = evhttp_bind_socket_with_handle(http, "0.0.0.0", (uint16_t)port);
    if (h == NULL || (*bound = mgmt_bound_port(h)) < 0) {
        wr_log(WR_LOG_WARN, "cannot listen for %s on port %d; running without it", what, port);
        evhttp_free(http);
        return NULL;
    }
    wr_log(WR_LOG_INFO, "serving %s on port %d", what, *bound);
    return http;
}

/* The HTTPS listener's TLS settings: management.ssl.*, independent of ssl_options.* */
static SSL_CTX *
mgmt_tls_ctx(const struct wr_config *cfg)
{
    struct wr_tls_opts o = {
            .prefix = "management.ssl",
            .cacertfile = cfg->mgmt_tls_cacertfile,
            .certfile = cfg->mgmt_tls_certfile,
            .keyfile = cfg->mgmt_tls_keyfile,
            .password = cfg->mgmt_tls_password,
            .verify_peer = cfg->mgmt_tls_verify_peer != 0,
            .fail_if_no_peer_cert = cfg->mgmt_tls_fail_if_no_peer_cert,
            .honor_cipher_order = cfg->mgmt_tls_honor_cipher_order,
            .versions = cfg->mgmt_tls_versions,
            .ciphers = cfg->mgmt_tls_ciphers,
            .depth = cfg->mgmt_tls_depth,
    };

    return wr_tls_ctx_new(&o);
}

#define MGMT_SAMPLE_SECS 5

/* Message rates as rabbitmq_management reports them: sampled every collect_statistics_interval
 * (5 s by default), not per request, so every reader sees the same rate. */
static void
mgmt_sample(evutil_socket_t fd, short what, void *arg)
{
    struct wr_mgmt *m = arg;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *c;

    (void)fd, (void)what;
    wr_stats_sample((uint64_t)wr_clock_ms());
    wr_hmap_iter_init(wr_broker_conns(m->b), &it);
    while (wr_hmap_next(&it, &key, &len, &c))
        wr_conn_sample_rates(c, MGMT_SAMPLE_SECS);
}

static void
mgmt_start_sampler(struct wr_mgmt *m)
{
    struct timeval tv = {MGMT_SAMPLE_SECS, 0};

    m->sampler = event_new(wr_broker_base(m->b), -1, EV_PERSIST, mgmt_sample, m);
    evtimer_add(m->sampler, &tv);
    wr_stats_sample((uint64_t)wr_clock_ms());
}

struct wr_mgmt *
wr_mgmt_open(struct wr_broker *b)
{
    const struct wr_config *cfg = wr_broker_config(b);
    struct wr_mgmt *m = wr_xcalloc(1, sizeof(*m));

    m->b = b;
    m->api_port = m->prom_port = m->api_tls_port = -1;
    if (cfg->mgmt_port >= 0)
        m->api = mgmt_listen(m, cfg->mgmt_port, mgmt_api_cb, &m->api_port, "the management API",
                             false);
    if (cfg->prometheus_port >= 0)
        m->prom = mgmt_listen(m, cfg->prometheus_port, mgmt_prom_cb, &m->prom_port,
                              "Prometheus metrics", false);
    if (cfg->mgmt_tls_port >= 0) {
        /* a context that cannot be built is treated as a port that cannot be bound */
        if ((m->tls_ctx = mgmt_tls_ctx(cfg)) != NULL)
            m->api_tls = mgmt_listen(m, cfg->mgmt_tls_port, mgmt_api_cb, &m->api_tls_port,
                                     "the management API over HTTPS", true);
        else
            wr_log(WR_LOG_WARN, "management.ssl settings unusable; running without HTTPS "
                                "management");
    }
    if (m->api == NULL && m->prom == NULL && m->api_tls == NULL) {
        SSL_CTX_free(m->tls_ctx);
        free(m);
        return NULL;
    }
    mgmt_start_sampler(m);
    return m;
}

void
wr_mgmt_close(struct wr_mgmt *m)
{
    if (m == NULL)
        return;
    if (m->sampler != NULL)
        event_free(m->sampler);
    if (m->api != NULL)
        evhttp_free(m->api);
    if (m->prom != NULL)
        evhttp_free(m->prom);
    /* after the connections, whose SSL objects use it */
    if (m->api_tls != NULL)
        evhttp_free(m->api_tls);
    SSL_CTX_free(m->tls_ctx);
    free(m);
}

int
wr_mgmt_port(const struct wr_mgmt *m)
{
    return m ? m->api_port : -1;
}

int
wr_mgmt_prometheus_port(const struct wr_mgmt *m)
{
    return m ? m->prom_port : -1;
}

int
wr_mgmt_tls_port(const struct wr_mgmt *m)
{
    return m ? m->api_tls_port : -1;
}
