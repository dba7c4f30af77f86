/* SPDX-License-Identifier: MPL-2.0 */
/* Integers map to long ('l'), strings to longstr, objects to tables, arrays to arrays: the
 * types RabbitMQ's definitions import produces. */
#include "server/json_table.h"

#include "amqp/table.h"
#include "server/mem.h"

#include <stdlib.h>
#include <string.h>

static json_t *wr_json_value(const struct wr_fvalue *v);

static json_t *
wr_json_array(struct wr_bytes a)
{
    json_t *arr = json_array();
    struct wr_table_iter it;
    struct wr_fvalue v;

    wr_table_iter_init(&it, a);
    while (wr_array_next(&it, &v) > 0)
        json_array_append_new(arr, wr_json_value(&v));
    return arr;
}

static json_t *
wr_json_value(const struct wr_fvalue *v)
{
    if (wr_fvalue_is_int(v))
        return json_integer(v->v.i);
    switch (v->type) {
    case 't':
        return json_boolean(v->v.b);
    case 'f':
        return json_real(v->v.f);
    case 'd':
        return json_real(v->v.d);
    case 'T':
        return json_integer((json_int_t)v->v.ts);
    case 'S':
    case 'x':
        return json_stringn((const char *)v->v.s.ptr, v->v.s.len);
    case 'F':
        return wr_json_from_table(v->v.s);
    case 'A':
        return wr_json_array(v->v.s);
    default:
        return json_null();
    }
}

json_t *
wr_json_from_table(struct wr_bytes table)
{
    json_t *obj = json_object();
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;
    char k[256];

    wr_table_iter_init(&it, table);
    while (wr_table_next(&it, &key, &v) > 0) {
        memcpy(k, key.ptr, key.len);
        k[key.len] = '\0';
        json_object_set_new(obj, k, wr_json_value(&v));
    }
    return obj;
}

static int wr_json_put(const char *key, const json_t *v, struct wr_tbuf *b);

static int
wr_json_nested(const char *key, const json_t *v, struct wr_tbuf *b)
{
    struct wr_tbuf inner;
    size_t i;
    const char *k;
    json_t *e;
    int rc = 0;

    wr_tbuf_init(&inner);
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) rc |= wr_json_put(NULL, e, &inner);
    } else {
        json_object_foreach((json_t *)v, k, e) rc |= wr_json_put(k, e, &inner);
    }
    if (rc == 0)
        wr_tbuf_nested(b, key, json_is_array(v) ? 'A' : 'F', &inner);
    wr_tbuf_free(&inner);
    return rc;
}

/* key NULL appends an array element. */
static int
wr_json_put(const char *key, const json_t *v, struct wr_tbuf *b)
{
    if (json_is_string(v)) {
        wr_tbuf_str(b, key, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        wr_tbuf_long(b, key, (int64_t)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        wr_tbuf_bool(b, key, json_is_true(v));
    } else if (json_is_real(v)) {
        if (key != NULL)
            wr_tbuf_key(b, key);
        wr_tbuf_value(b, &(struct wr_fvalue){.type = 'd', .v.d = json_real_value(v)});
    } else if (json_is_array(v) || json_is_object(v)) {
        return wr_json_nested(key, v, b);
    } else {
        return -1;
    }
    return 0;
}

int
wr_json_to_table(const json_t *obj, struct wr_tbuf *b)
{
    const char *k;
    json_t *v;
    int rc = 0;

    if (!json_is_object(obj))
        return -1;
    json_object_foreach((json_t *)obj, k, v) rc |= wr_json_put(k, v, b);
    return rc;
}

json_t *
wr_json_tags(const char *tags)
{
    json_t *arr = json_array();
    char *copy = wr_xstrdup(tags ? tags : ""), *save = NULL;

    for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
        json_array_append_new(arr, json_string(tok));
    free(copy);
    return arr;
}

static void
wr_tags_add(char **out, size_t *n, const char *tag, char sep)
{
    size_t len = strlen(tag);

    *out = wr_xrealloc(*out, *n + len + 2);
    if (*n > 0)
        (*out)[(*n)++] = sep;
    memcpy(*out + *n, tag, len + 1);
    *n += len;
}

char *
wr_json_tags_join(const json_t *tags, char sep)
{
    char *out = wr_xstrdup(""), *copy, *save = NULL;
    size_t n = 0, i;
    json_t *e;

    if (json_is_string(tags)) {
        copy = wr_xstrdup(json_string_value(tags));
        for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
            wr_tags_add(&out, &n, tok, sep);
        free(copy);
    } else if (tags != NULL && !json_is_array(tags)) {
        free(out);
        return NULL;
    }
    json_array_foreach(tags, i, e)
    {
        if (!json_is_string(e)) {
            free(out);
            return NULL;
        }
        if (*json_string_value(e) != '\0')
            wr_tags_add(&out, &n, json_string_value(e), sep);
    }
    return out;
}
