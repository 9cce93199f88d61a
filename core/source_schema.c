/*
 * source_schema.c -- the writer schema of a data-lake source file, checked
 * before avro-c parses it (ls_source_schema_check).  avro-c 1.11 builds a
 * value of the whole schema at once, recursing without a bound, so a record
 * that contains itself overflows the stack, and named types that each use
 * the previous one twice expand exponentially.
 *
 * Layout: a lexical pass over the JSON text (its size and nesting, before
 * any parser recurses into it); then a walk of the parsed JSON that
 * resolves type names exactly as avro-c does (a name with a dot is a
 * fullname; one without is qualified by the namespace of the enclosing
 * named type: its "namespace", else the part of its name before the last
 * dot, else its parent's), refusing a reference to a type still being
 * defined (recursion), a name defined twice, and bounding the named types,
 * the expanded size and the expanded depth.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ls_int.h"

/* The walk computes the depth the pre-scan (record.c) reaches: a record
 * passing this check cannot nest deeper than the pre-scan allows. */
_Static_assert(LS_SOURCE_SCHEMA_DEPTH_MAX <= LS_SOURCE_RECORD_DEPTH_MAX,
               "a schema's depth bounds its records' nesting");
_Static_assert(LS_SOURCE_SCHEMA_NODES_MAX < UINT32_MAX / 2, "sums below stay in 32 bits");

#define NAME_QUOTE_BYTES 200   /* a type name in a message */

/* A named type: its size and depth once defined. */
typedef struct named {
    int      done;      /* 0 while its fields are walked: a reference is recursion */
    uint32_t nodes;
    unsigned depth;
} named;

/* What a type costs: the values avro-c builds or the pre-scan visits for
 * it at most (references expanded, one item per array or map), and how
 * deep its values nest (the pre-scan's levels: one per record field,
 * union branch, array item, map value and reference). */
typedef struct shape {
    uint32_t nodes;
    unsigned depth;
} shape;

typedef struct chk {
    const char *what;    /* the file, display-safe, for errors */
    json_t     *index;   /* fullname -> integer: its slot in names[] */
    named      *names;
    size_t      nnames;
    ls_bytes    key;     /* a fullname being built, NUL-terminated */
} chk;

static const char *quoted(char *buf, const char *s)
{
    return ls_quote(buf, NAME_QUOTE_BYTES, s, strlen(s));
}

/* "<file>: avro.schema: <why>[ (in type "<within>")]" */
static int schema_err(chk *c, int err, const char *within, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int schema_err(chk *c, int err, const char *within, const char *fmt, ...)
{
    char why[600], qw[NAME_QUOTE_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (within)
        return ls_seterr(err, "%s: avro.schema: %s (in type \"%s\")", c->what, why,
                         quoted(qw, within));
    return ls_seterr(err, "%s: avro.schema: %s", c->what, why);
}

/* Deepest nesting of JSON arrays and objects in p[0..n), outside strings;
 * stops counting once beyond max.  Invalid JSON is the parser's to refuse. */
static unsigned json_nesting(const uint8_t *p, size_t n, unsigned max)
{
    unsigned d = 0, deepest = 0;
    int in_string = 0;
    for (size_t i = 0; i < n && deepest <= max; i++) {
        uint8_t b = p[i];
        if (in_string) {
            if (b == '\\')
                i++;
            else if (b == '"')
                in_string = 0;
        } else if (b == '"') {
            in_string = 1;
        } else if (b == '[' || b == '{') {
            if (++d > deepest)
                deepest = d;
        } else if ((b == ']' || b == '}') && d) {
            d--;
        }
    }
    return deepest;
}

/* The fullname avro-c gives `name` in namespace ns (NULL: none), in c->key. */
static int fullname(chk *c, const char *name, const char *ns, const char **out)
{
    c->key.len = 0;
    int rc = 0;
    if (ns && !strchr(name, '.'))
        rc = ls_bytes_append(&c->key, ns, strlen(ns));
    if (!rc && ns && !strchr(name, '.'))
        rc = ls_bytes_append(&c->key, ".", 1);
    if (!rc)
        rc = ls_bytes_append(&c->key, name, strlen(name) + 1);
    if (rc)
        return ls_seterr(LS_ERR_NOMEM, "%s: avro.schema: out of memory", c->what);
    *out = (const char *)c->key.data;
    return LS_OK;
}

static int is_primitive(const char *t)
{
    static const char *const prim[] = { "null", "boolean", "int", "long", "float",
                                        "double", "bytes", "string" };
    for (size_t i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
        if (!strcmp(t, prim[i]))
            return 1;
    return 0;
}

/* Enter the named type full (in c->key) as being defined; *slot its index. */
static int define(chk *c, const char *full, const char *within, size_t *slot)
{
    char q[NAME_QUOTE_BYTES];
    if (json_object_get(c->index, full))
        return schema_err(c, LS_ERR_CORRUPT, within, "type \"%s\" is defined twice",
                          quoted(q, full));
    if (c->nnames == LS_SOURCE_SCHEMA_NAMES_MAX)
        return schema_err(c, LS_ERR_LIMIT, within, "more than %u named types",
                          LS_SOURCE_SCHEMA_NAMES_MAX);
    json_t *i = json_integer((json_int_t)c->nnames);
    if (!i || json_object_set_new_nocheck(c->index, full, i))
        return ls_seterr(LS_ERR_NOMEM, "%s: avro.schema: out of memory", c->what);
    c->names[c->nnames] = (named){ 0, 0, 0 };
    *slot = c->nnames++;
    return LS_OK;
}

/* Check the limits on a type's shape and hand it out. */
static int finish(chk *c, shape sh, const char *within, shape *out)
{
    if (sh.nodes > LS_SOURCE_SCHEMA_NODES_MAX)
        return schema_err(c, LS_ERR_LIMIT, within, "expands to more than %u types (a "
                          "reference to a named type counts as its definition)",
                          LS_SOURCE_SCHEMA_NODES_MAX);
    if (sh.depth > LS_SOURCE_SCHEMA_DEPTH_MAX)
        return schema_err(c, LS_ERR_LIMIT, within, "types nest more than %u deep (a "
                          "reference to a named type counts as its definition)",
                          LS_SOURCE_SCHEMA_DEPTH_MAX);
    *out = sh;
    return LS_OK;
}

/* Add a child's shape to its parent's (one level deeper). */
static void add_child(shape *parent, shape child)
{
    parent->nodes += child.nodes;   /* both <= NODES_MAX: no overflow (asserted above) */
    if (child.depth + 1 > parent->depth)
        parent->depth = child.depth + 1;
}

static int walk(chk *c, json_t *j, const char *ns, const char *within, shape *out);

/* A record: defined (so that its fields may not refer to it) before its
 * fields are walked, in its own namespace. */
static int walk_record(chk *c, json_t *j, const char *ns, const char *within, shape *out)
{
    json_t *jname = json_object_get(j, "name"), *jns = json_object_get(j, "namespace");
    json_t *fields = json_object_get(j, "fields");
    if (!json_is_string(jname) || !json_is_array(fields))
        return schema_err(c, LS_ERR_CORRUPT, within, "a record without a string \"name\" "
                          "and an array of \"fields\"");
    const char *name = json_string_value(jname), *dot = strrchr(name, '.');
    /* The namespace of what the record contains, as avro-c sets it. */
    char *own_ns = NULL;
    const char *inner_ns = json_is_string(jns) ? json_string_value(jns) : ns;
    if (dot && !(own_ns = strndup(name, (size_t)(dot - name))))
        return ls_seterr(LS_ERR_NOMEM, "%s: avro.schema: out of memory", c->what);
    if (dot)
        inner_ns = own_ns;
    const char *full;
    char *self = NULL;
    size_t slot = 0;
    int rc = fullname(c, name, inner_ns, &full);
    if (!rc && !(self = strdup(full)))
        rc = ls_seterr(LS_ERR_NOMEM, "%s: avro.schema: out of memory", c->what);
    if (!rc)
        rc = define(c, self, within, &slot);
    shape sh = { 1, 0 };
    for (size_t i = 0; !rc && i < json_array_size(fields); i++) {
        json_t *f = json_array_get(fields, i), *ft = json_object_get(f, "type");
        shape fs;
        if (!json_is_object(f) || !ft)
            rc = schema_err(c, LS_ERR_CORRUPT, self, "field %zu is not an object with a "
                            "\"type\"", i);
        else if (!(rc = walk(c, ft, inner_ns, self, &fs)))
            add_child(&sh, fs);
        if (!rc)
            rc = finish(c, sh, self, &sh);
    }
    if (!rc) {
        c->names[slot] = (named){ 1, sh.nodes, sh.depth };
        *out = sh;
    }
    free(self);
    free(own_ns);
    return rc;
}

/* An enum or a fixed: a named type without members. */
static int walk_leaf(chk *c, json_t *j, const char *ns, const char *within, int is_fixed,
                     shape *out)
{
    json_t *jname = json_object_get(j, "name"), *jns = json_object_get(j, "namespace");
    if (!json_is_string(jname))
        return schema_err(c, LS_ERR_CORRUPT, within, "%s without a string \"name\"",
                          is_fixed ? "a fixed" : "an enum");
    const char *name = json_string_value(jname), *full;
    /* A dotted name is its own fullname whatever the namespace. */
    int rc = fullname(c, name, json_is_string(jns) ? json_string_value(jns) : ns, &full);
    if (rc)
        return rc;
    if (is_fixed) {
        char q[NAME_QUOTE_BYTES];
        json_t *size = json_object_get(j, "size");
        if (!json_is_integer(size) || json_integer_value(size) < 0)
            return schema_err(c, LS_ERR_CORRUPT, within, "fixed \"%s\" has no \"size\" "
                              ">= 0", quoted(q, full));
        /* avro-c builds no value class for a fixed of 0 bytes ("must provide
         * instance_size"); say so plainly. */
        if (json_integer_value(size) == 0)
            return schema_err(c, LS_ERR_UNSUPPORTED, within, "fixed \"%s\" of 0 bytes is "
                              "not supported", quoted(q, full));
        if (json_integer_value(size) > LS_SOURCE_BLOCK_BYTES_MAX)
            return schema_err(c, LS_ERR_LIMIT, within, "fixed \"%s\" of %" PRId64 " bytes "
                              "exceeds the block limit of %u", quoted(q, full),
                              (int64_t)json_integer_value(size), LS_SOURCE_BLOCK_BYTES_MAX);
    }
    size_t slot;
    if ((rc = define(c, full, within, &slot)))
        return rc;
    c->names[slot] = (named){ 1, 1, 0 };
    *out = (shape){ 1, 0 };
    return LS_OK;
}

/* A reference to a named type, resolved as avro-c resolves it. */
static int walk_ref(chk *c, const char *name, const char *ns, const char *within,
                    shape *out)
{
    char q[NAME_QUOTE_BYTES];
    const char *full;
    int rc = fullname(c, name, ns, &full);
    if (rc)
        return rc;
    json_t *i = json_object_get(c->index, full);
    if (!i)
        return schema_err(c, LS_ERR_CORRUPT, within, "type \"%s\" is not defined before "
                          "its use", quoted(q, full));
    const named *n = &c->names[json_integer_value(i)];
    if (!n->done) {   /* within is set: only records have members */
        char qw[NAME_QUOTE_BYTES];
        if (within && !strcmp(within, full))
            return schema_err(c, LS_ERR_UNSUPPORTED, NULL, "type \"%s\" contains itself: "
                              "recursive schemas are not supported", quoted(q, full));
        return schema_err(c, LS_ERR_UNSUPPORTED, NULL, "type \"%s\" contains itself "
                          "(through type \"%s\"): recursive schemas are not supported",
                          quoted(q, full), quoted(qw, within ? within : "?"));
    }
    shape sh = { 1, 0 };
    add_child(&sh, (shape){ n->nodes, n->depth });
    return finish(c, sh, within, out);
}

/* Any schema: a union (array), a type name (string), or an object whose
 * "type" names the type.  Recursion follows the JSON, whose nesting was
 * bounded before parsing. */
static int walk(chk *c, json_t *j, const char *ns, const char *within, shape *out)
{
    int rc;
    if (json_is_array(j)) {
        shape sh = { 1, 0 };
        for (size_t i = 0; i < json_array_size(j); i++) {
            shape b;
            if ((rc = walk(c, json_array_get(j, i), ns, within, &b)))
                return rc;
            add_child(&sh, b);
            if ((rc = finish(c, sh, within, &sh)))
                return rc;
        }
        *out = sh;
        return LS_OK;
    }
    json_t *t = json_is_object(j) ? json_object_get(j, "type") : j;
    if (!json_is_string(t))
        return schema_err(c, LS_ERR_CORRUPT, within, "a type that is not a name, a union "
                          "or an object with a string \"type\"");
    const char *ts = json_string_value(t);
    if (is_primitive(ts)) {
        *out = (shape){ 1, 0 };
        return LS_OK;
    }
    int is_array = !strcmp(ts, "array");
    if (is_array || !strcmp(ts, "map")) {
        json_t *items = json_object_get(j, is_array ? "items" : "values");
        shape sh = { 1, 0 }, it;
        if (!items)
            return schema_err(c, LS_ERR_CORRUPT, within, "%s without \"%s\"",
                              is_array ? "an array" : "a map", is_array ? "items" : "values");
        if ((rc = walk(c, items, ns, within, &it)))
            return rc;
        add_child(&sh, it);
        return finish(c, sh, within, out);
    }
    int is_fixed = !strcmp(ts, "fixed");
    if (!json_is_object(j) && (is_fixed || !strcmp(ts, "record") || !strcmp(ts, "enum")))
        return schema_err(c, LS_ERR_CORRUPT, within, "a %s that is not an object", ts);
    if (!strcmp(ts, "record"))
        return walk_record(c, j, ns, within, out);
    if (is_fixed || !strcmp(ts, "enum"))
        return walk_leaf(c, j, ns, within, is_fixed, out);
    return walk_ref(c, ts, ns, within, out);
}

int ls_source_schema_check(const char *what, const uint8_t *json, size_t len)
{
    if (len > LS_SOURCE_SCHEMA_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "%s: avro.schema of %zu bytes exceeds the limit of %u",
                         what, len, LS_SOURCE_SCHEMA_BYTES_MAX);
    if (json_nesting(json, len, LS_SOURCE_SCHEMA_DEPTH_MAX) > LS_SOURCE_SCHEMA_DEPTH_MAX)
        return ls_seterr(LS_ERR_LIMIT, "%s: avro.schema nests JSON arrays and objects more "
                         "than %u deep", what, LS_SOURCE_SCHEMA_DEPTH_MAX);
    /* The same parse avro_schema_from_json_length makes. */
    json_error_t jerr;
    json_t *root = json_loadb((const char *)json, len, JSON_DECODE_ANY, &jerr);
    if (!root) {
        char q[LS_QUOTE_BYTES];
        return ls_seterr(LS_ERR_CORRUPT, "%s: avro.schema is not JSON: %s (line %d, column "
                         "%d)", what, ls_quote(q, sizeof(q), jerr.text, strlen(jerr.text)),
                         jerr.line, jerr.column);
    }
    chk c = { what, json_object(), calloc(LS_SOURCE_SCHEMA_NAMES_MAX, sizeof(named)), 0,
              { 0 } };
    int rc;
    shape sh;
    if (!c.index || !c.names)
        rc = ls_seterr(LS_ERR_NOMEM, "%s: avro.schema: out of memory", what);
    else
        rc = walk(&c, root, NULL, NULL, &sh);
    json_decref(c.index);
    free(c.names);
    ls_bytes_free(&c.key);
    json_decref(root);
    return rc;
}
