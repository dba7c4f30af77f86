/* SPDX-License-Identifier: MPL-2.0 */
/* Policies (/api/policies, PO-01), global parameters (/api/global-parameters, /api/cluster-name)
 * and definitions export/import (/api/definitions, 14.3). They reuse the modules warrenctl uses
 * (policy.h, gparam.h, definitions.h), so validation texts and the document format are the same
 * on every interface. */
#include "server/broker.h"
#include "server/definitions.h"
#include "server/gparam.h"
#include "server/mgmt_internal.h"
#include "server/policy.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- policies ----------------------------------------------------------------------------- */

struct mgmt_policy_ctx {
    struct mgmt_req *r;
    const char *name; /* NULL: every policy */
    json_t *out;      /* array, or the one match */
};

static void
mgmt_policy_visit(const struct wr_policy_view *p, void *arg)
{
    struct mgmt_policy_ctx *c = arg;

    if (!mgmt_vhost_visible(c->r, p->vhost))
        return;
    if (c->name == NULL)
        json_array_append_new(c->out, mgmt_json_policy(p));
    else if (strcmp(c->name, p->name) == 0 && c->out == NULL)
        c->out = mgmt_json_policy(p);
}

/* GET /api/policies and /api/policies/{vhost} */
void
mgmt_api_policies(struct mgmt_req *r)
{
    struct mgmt_policy_ctx c = {r, NULL, NULL};

    if (r->nseg == 3 && mgmt_vhost_arg(r, 0) == NULL)
        return;
    c.out = json_array();
    wr_policy_foreach(r->b, false, r->nseg == 3 ? r->arg[0] : NULL, mgmt_policy_visit, &c);
    mgmt_reply_json(r, 200, c.out);
}

/* The policy arg[1] of vhost arg[0] as JSON, or NULL (vhost missing or no such policy). */
static json_t *
mgmt_policy_find(struct mgmt_req *r)
{
    struct mgmt_policy_ctx c = {r, r->arg[1], NULL};

    if (wr_broker_vhost(r->b, r->arg[0], strlen(r->arg[0])) == NULL)
        return NULL;
    wr_policy_foreach(r->b, false, r->arg[0], mgmt_policy_visit, &c);
    return c.out;
}

void
mgmt_api_policy_get(struct mgmt_req *r)
{
    json_t *p = mgmt_policy_find(r);

    if (p == NULL)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, p);
}

/* Checks the body's shape; RabbitMQ's policy validation (PO-01) is wr_policy_set's. */
static const char *
mgmt_policy_body_error(const json_t *body)
{
    const json_t *prio = json_object_get(body, "priority");
    const json_t *apply = json_object_get(body, "apply-to");

    if (!json_is_string(json_object_get(body, "pattern")))
        return "[{key_missing,pattern}]";
    if (!json_is_object(json_object_get(body, "definition")))
        return "[{key_missing,definition}]";
    if (prio != NULL && !json_is_integer(prio))
        return "priority must be an integer";
    if (apply != NULL && !json_is_string(apply))
        return "apply-to must be a string";
    return NULL;
}

void
mgmt_api_policy_put(struct mgmt_req *r)
{
    const char *why = mgmt_policy_body_error(r->body), *apply;
    json_t *old, *prio;
    char *def, err[1024], reason[1200];
    bool existed;
    int rc;

    if (mgmt_vhost_arg(r, 0) == NULL)
        return;
    if (why != NULL) {
        mgmt_bad_request(r, why);
        return;
    }
    old = mgmt_policy_find(r);
    existed = old != NULL;
    json_decref(old);
    prio = json_object_get(r->body, "priority");
    apply = json_string_value(json_object_get(r->body, "apply-to"));
    def = json_dumps(json_object_get(r->body, "definition"), JSON_COMPACT);
    rc = wr_policy_set(r->b, false, r->arg[0], r->arg[1],
                       json_string_value(json_object_get(r->body, "pattern")), def,
                       prio ? (int)json_integer_value(prio) : 0, apply ? apply : "all", err,
                       sizeof(err));
    free(def);
    if (rc < 0) {
        snprintf(reason, sizeof(reason), "Validation failed\n\n%s\n", err);
        mgmt_bad_request(r, reason);
        return;
    }
    mgmt_reply_empty(r, existed ? 204 : 201);
}

void
mgmt_api_policy_delete(struct mgmt_req *r)
{
    json_t *old = mgmt_policy_find(r);
    char err[256];

    if (old == NULL || wr_policy_clear(r->b, false, r->arg[0], r->arg[1], err, sizeof(err)) < 0) {
        json_decref(old);
        mgmt_not_found(r);
        return;
    }
    json_decref(old);
    mgmt_reply_empty(r, 204);
}

/* ---- global parameters -------------------------------------------------------------------- */

static json_t *
mgmt_json_gparam(const char *name, const char *value_json)
{
    return json_pack("{s:o, s:s}", "value", json_loads(value_json, JSON_DECODE_ANY, NULL), "name",
                     name);
}

/* listed name first, fetched alone value first: rabbitmq_management's orders */
static void
mgmt_gparam_append(const char *name, const char *value_json, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:o}", "name", name, "value",
                                         json_loads(value_json, JSON_DECODE_ANY, NULL)));
}

void
mgmt_api_gparams(struct mgmt_req *r)
{
    json_t *arr = json_array();

    wr_gparam_foreach(r->b, mgmt_gparam_append, arr);
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_gparam_get(struct mgmt_req *r)
{
    const char *v = wr_gparam_get(r->b, r->arg[0]);

    if (v == NULL)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, mgmt_json_gparam(r->arg[0], v));
}

/* Sets name to the JSON value; replies 201 or 204, or 400 with reason. */
static void
mgmt_gparam_put(struct mgmt_req *r, const char *name, const json_t *value, const char *missing)
{
    bool exists = wr_gparam_get(r->b, name) != NULL;
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL, err[300];

    if (text == NULL)
        mgmt_bad_request(r, missing);
    else if (wr_gparam_set(r->b, name, text, err, sizeof(err)) < 0)
        mgmt_bad_request(r, err);
    else
        mgmt_reply_empty(r, exists ? 204 : 201);
    free(text);
}

void
mgmt_api_gparam_put(struct mgmt_req *r)
{
    mgmt_gparam_put(r, r->arg[0], json_object_get(r->body, "value"), "[{key_missing,value}]");
}

void
mgmt_api_gparam_delete(struct mgmt_req *r)
{
    char err[300];

    if (wr_gparam_clear(r->b, r->arg[0], err, sizeof(err)) < 0)
        mgmt_not_found(r);
    else
        mgmt_reply_empty(r, 204);
}

void
mgmt_api_cluster_name_get(struct mgmt_req *r)
{
    mgmt_reply_json(r, 200,
                    json_pack("{s:s}", "name", wr_gparam_cluster_name(r->b, wr_node_name())));
}

/* RabbitMQ answers 204 whether or not a name was set before. */
void
mgmt_api_cluster_name_put(struct mgmt_req *r)
{
    const json_t *name = json_object_get(r->body, "name");
    char *text = json_is_string(name) ? json_dumps(name, JSON_ENCODE_ANY) : NULL, err[300];

    if (text == NULL)
        mgmt_bad_request(r, "[{key_missing,name}]");
    else if (wr_gparam_set(r->b, "cluster_name", text, err, sizeof(err)) < 0)
        mgmt_bad_request(r, err);
    else
        mgmt_reply_empty(r, 204);
    free(text);
}

/* ---- definitions -------------------------------------------------------------------------- */

void
mgmt_api_definitions_get(struct mgmt_req *r)
{
    char *doc = wr_definitions_export(r->b, false);
    struct evbuffer *body = evbuffer_new();

    if (doc == NULL || body == NULL) {
        free(doc);
        if (body != NULL)
            evbuffer_free(body);
        mgmt_reply_error(r, 500, "internal_error", "export failed");
        return;
    }
    evbuffer_add(body, doc, strlen(doc));
    free(doc);
    mgmt_reply_text(r, 200, "application/json", body);
    evbuffer_free(body);
}

/* The document is parsed here first so malformed JSON gets RabbitMQ's own reason; what the
 * importer rejects is reported with its explanation. */
void
mgmt_api_definitions_post(struct mgmt_req *r)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t len = evbuffer_get_length(in);
    const char *text = (const char *)evbuffer_pullup(in, -1);
    json_t *doc = len ? json_loadb(text, len, 0, NULL) : NULL;
    char err[1024];

    if (!json_is_object(doc)) {
        json_decref(doc);
        mgmt_bad_request(r, "failed_to_parse_json");
        return;
    }
    json_decref(doc);
    if (wr_definitions_import(r->b, text, len, err, sizeof(err)) < 0) {
        mgmt_bad_request(r, err);
        return;
    }
    mgmt_reply_empty(r, 204);
}
