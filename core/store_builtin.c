/*
 * store_builtin.c -- the backends every build has, as descriptors of the
 * scheme table (store.c): file (posix, also plain paths), mem and s3, each
 * with the properties it reads.  A backend from outside the core is the
 * same kind of descriptor, given to ls_store_register.  s3 is described in
 * every build, so its URIs parse and its properties are documented; with
 * LS_WITH_S3=OFF, ls_store_s3_new is store_s3_none.c's and refuses.
 */
#include <stdint.h>

#include "ls_int.h"

/* ---- file: file:///abs/path or a plain path ------------------------------ */

static const ls_conf_prop file_props[] = {
    { "store.fsync", "bool", "true", 0, 1,
      "posix store: fsync objects and directories before a write returns", NULL },
};

static int file_open(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                     ls_store **out)
{
    (void)be;
    ls_store_uri u;
    int rc = ls_store_uri_parse(uri, &u);
    if (rc)
        return rc;
    if (u.kind != LS_STORE_URI_POSIX)
        return ls_seterr(LS_ERR_INVALID, "posix: \"%.200s\": not file:///path or a path", uri);
    return ls_store_posix_new(u.path, ls_conf_bool(conf, "store.fsync"), out);
}

const ls_store_backend ls_store_backend_file = {
    .scheme = "file",
    .uri_doc = "file:///absolute/path, or a plain path (the directory is created if missing)",
    .props = file_props,
    .nprops = sizeof(file_props) / sizeof(file_props[0]),
    .open = file_open,
};

/* ---- mem: a new, empty in-process store per open ------------------------- */

static int mem_open(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                    ls_store **out)
{
    (void)be;
    (void)conf;
    ls_store_uri u;
    int rc = ls_store_uri_parse(uri, &u);
    if (rc)
        return rc;
    if (u.kind != LS_STORE_URI_MEM)
        return ls_seterr(LS_ERR_INVALID, "mem: \"%.200s\": not mem://", uri);
    return ls_store_mem_new(out);
}

const ls_store_backend ls_store_backend_mem = {
    .scheme = "mem",
    .uri_doc = "mem:// (a new, empty store in this process)",
    .open = mem_open,
};

/* ---- s3: s3://bucket[/prefix] -------------------------------------------- */

static const ls_conf_prop s3_props[] = {
    { "s3.endpoint", "string", "", 0, 0,
      "s3: endpoint URL http[s]://host[:port] (empty: $AWS_ENDPOINT_URL_S3, "
      "$AWS_ENDPOINT_URL, else https://s3.REGION.amazonaws.com)", NULL },
    { "s3.region", "string", "", 0, 0,
      "s3: region for signing (empty: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)", NULL },
    { "s3.addressing", "enum", "auto", 0, 0,
      "s3: path (endpoint/bucket/key) or virtual (bucket.endpoint/key); auto: path "
      "with a custom endpoint, virtual for AWS", "auto|path|virtual" },
    { "s3.tls.verify", "bool", "true", 0, 1,
      "s3: verify the server's TLS certificate and host name", NULL },
    { "s3.ca.bundle", "string", "", 0, 0,
      "s3: CA certificates file (PEM) for TLS (empty: the system's)", NULL },
    { "s3.connections.max", "int", "16", 1, LS_S3_CONNECTIONS_MAX,
      "s3: keep-alive connections kept per store handle, and parallel reads", NULL },
    { "s3.request.timeout.ms", "int", "30000", 1, 3600000,
      "s3: one request's time limit (then retried)", NULL },
    { "s3.connect.timeout.ms", "int", "5000", 1, 600000,
      "s3: connection setup time limit", NULL },
    { "s3.retries", "int", "6", 0, LS_STORE_RETRIES_MAX,
      "s3: retries of a request after a transport error, timeout, 5xx, 429 or 503 "
      "SlowDown, with jittered exponential backoff", NULL },
};

static int s3_open(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                   ls_store **out)
{
    (void)be;
    return ls_store_s3_new(uri, conf, out);
}

const ls_store_backend ls_store_backend_s3 = {
    .scheme = "s3",
    .uri_doc = "s3://bucket[/prefix] (docs/s3.md; builds with LS_WITH_S3=ON)",
    .props = s3_props,
    .nprops = sizeof(s3_props) / sizeof(s3_props[0]),
    .open = s3_open,
};
