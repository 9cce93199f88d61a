/*
 * store_s3_none.c -- ls_store_s3_new in a build configured with
 * LS_WITH_S3=OFF (no libcurl, no libxml2): an s3:// URI still parses, so
 * that a malformed one gets the same error as in a full build, and a
 * well-formed one is refused as unsupported, naming the option.
 */
#include <string.h>

#include "ls_int.h"

int ls_store_s3_new(const char *uri, const ls_conf *conf, ls_store **out)
{
    (void)conf;
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "s3: NULL output");
    *out = NULL;
    char qu[LS_QUOTE_BYTES];     /* untrusted text quoted for messages */
    ls_store_uri u;
    int rc = ls_store_uri_parse(uri, &u);
    if (!rc && u.kind != LS_STORE_URI_S3)
        rc = ls_seterr(LS_ERR_INVALID, "s3: \"%s\": not an s3:// URI",
                       ls_quote(qu, 240, uri, strlen(uri)));
    if (rc)
        return rc;
    return ls_seterr(LS_ERR_UNSUPPORTED, "s3: \"%s\": this build has no S3 backend "
                     "(configure with -DLS_WITH_S3=ON; it needs libcurl and libxml2)",
                     ls_quote(qu, 240, uri, strlen(uri)));
}
