/*
 * admin_acl.c -- the ACL part of librdkafka's Admin API (docs/kafka-shim.md,
 * "Admin API"): AclBinding and AclBindingFilter with librdkafka 2.0.2's
 * validation, their names, and CreateAcls, DescribeAcls and DeleteAcls.
 *
 * Access to a store is the store's own (file permissions, S3 policies),
 * so the ACL operations are not implemented: CreateAcls and DeleteAcls
 * give each binding or filter its _NOT_IMPLEMENTED error, DescribeAcls
 * (whose result has no per-item errors) the event's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

#define NOT_IMPL(op) "liblakestream-rdkafka: " op " is not implemented (docs/kafka-shim.md): " \
                     "access to a store is the store's (file permissions, S3 policies)"

const char *rd_kafka_AclOperation_name(rd_kafka_AclOperation_t acl_operation)
{
    static const char *names[] = {
        "UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
        "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE",
    };
    if ((unsigned)acl_operation >= (unsigned)RD_KAFKA_ACL_OPERATION__CNT)
        return "UNSUPPORTED";
    return names[acl_operation];
}

const char *rd_kafka_AclPermissionType_name(rd_kafka_AclPermissionType_t acl_permission_type)
{
    static const char *names[] = { "UNKNOWN", "ANY", "DENY", "ALLOW" };
    if ((unsigned)acl_permission_type >= (unsigned)RD_KAFKA_ACL_PERMISSION_TYPE__CNT)
        return "UNSUPPORTED";
    return names[acl_permission_type];
}

/* A binding, or a filter (rd_kafka_AclBindingFilter_t is the same type). */
struct rd_kafka_AclBinding_s {
    rd_kafka_ResourceType_t        restype;
    char                          *name, *principal, *host;  /* owned, may be NULL (filter) */
    rd_kafka_ResourcePatternType_t resource_pattern_type;
    rd_kafka_AclOperation_t        operation;
    rd_kafka_AclPermissionType_t   permission_type;
    rd_kafka_error_t              *error;  /* owned; NULL but in results */
};

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    *oom |= s && !d;
    return d;
}

static rd_kafka_AclBinding_t *binding_new(rd_kafka_ResourceType_t restype, const char *name,
                                          rd_kafka_ResourcePatternType_t pattern,
                                          const char *principal, const char *host,
                                          rd_kafka_AclOperation_t operation,
                                          rd_kafka_AclPermissionType_t permission,
                                          char *errstr, size_t errstr_size)
{
    rd_kafka_AclBinding_t *b = calloc(1, sizeof *b);
    int oom = !b;
    if (b) {
        b->name = dup_or_null(name, &oom);
        b->principal = dup_or_null(principal, &oom);
        b->host = dup_or_null(host, &oom);
        b->restype = restype;
        b->resource_pattern_type = pattern;
        b->operation = operation;
        b->permission_type = permission;
    }
    if (oom) {
        rd_kafka_AclBinding_destroy(b);
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    return b;
}

static rd_kafka_AclBinding_t *acl_fail(char *errstr, size_t errstr_size, const char *why)
{
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s", why);
    return NULL;
}

rd_kafka_AclBinding_t *rd_kafka_AclBinding_new(rd_kafka_ResourceType_t restype, const char *name,
                                               rd_kafka_ResourcePatternType_t resource_pattern_type,
                                               const char *principal, const char *host,
                                               rd_kafka_AclOperation_t operation,
                                               rd_kafka_AclPermissionType_t permission_type,
                                               char *errstr, size_t errstr_size)
{
    if (!name)
        return acl_fail(errstr, errstr_size, "Invalid resource name");
    if (!principal)
        return acl_fail(errstr, errstr_size, "Invalid principal");
    if (!host)
        return acl_fail(errstr, errstr_size, "Invalid host");
    if (restype == RD_KAFKA_RESOURCE_ANY || restype <= RD_KAFKA_RESOURCE_UNKNOWN ||
        restype >= RD_KAFKA_RESOURCE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid resource type");
    if (resource_pattern_type == RD_KAFKA_RESOURCE_PATTERN_ANY ||
        resource_pattern_type == RD_KAFKA_RESOURCE_PATTERN_MATCH ||
        resource_pattern_type <= RD_KAFKA_RESOURCE_PATTERN_UNKNOWN ||
        resource_pattern_type >= RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid resource pattern type");
    if (operation == RD_KAFKA_ACL_OPERATION_ANY || operation <= RD_KAFKA_ACL_OPERATION_UNKNOWN ||
        operation >= RD_KAFKA_ACL_OPERATION__CNT)
        return acl_fail(errstr, errstr_size, "Invalid operation");
    if (permission_type == RD_KAFKA_ACL_PERMISSION_TYPE_ANY ||
        permission_type <= RD_KAFKA_ACL_PERMISSION_TYPE_UNKNOWN ||
        permission_type >= RD_KAFKA_ACL_PERMISSION_TYPE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid permission type");
    return binding_new(restype, name, resource_pattern_type, principal, host, operation,
                       permission_type, errstr, errstr_size);
}

/* A filter may leave name, principal and host NULL and use the ANY values. */
rd_kafka_AclBindingFilter_t *rd_kafka_AclBindingFilter_new(
    rd_kafka_ResourceType_t restype, const char *name,
    rd_kafka_ResourcePatternType_t resource_pattern_type, const char *principal,
    const char *host, rd_kafka_AclOperation_t operation,
    rd_kafka_AclPermissionType_t permission_type, char *errstr, size_t errstr_size)
{
    if (restype <= RD_KAFKA_RESOURCE_UNKNOWN || restype >= RD_KAFKA_RESOURCE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid resource type");
    if (resource_pattern_type <= RD_KAFKA_RESOURCE_PATTERN_UNKNOWN ||
        resource_pattern_type >= RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid resource pattern type");
    if (operation <= RD_KAFKA_ACL_OPERATION_UNKNOWN || operation >= RD_KAFKA_ACL_OPERATION__CNT)
        return acl_fail(errstr, errstr_size, "Invalid operation");
    if (permission_type <= RD_KAFKA_ACL_PERMISSION_TYPE_UNKNOWN ||
        permission_type >= RD_KAFKA_ACL_PERMISSION_TYPE__CNT)
        return acl_fail(errstr, errstr_size, "Invalid permission type");
    return binding_new(restype, name, resource_pattern_type, principal, host, operation,
                       permission_type, errstr, errstr_size);
}

rd_kafka_ResourceType_t rd_kafka_AclBinding_restype(const rd_kafka_AclBinding_t *acl)
{
    return acl->restype;
}
const char *rd_kafka_AclBinding_name(const rd_kafka_AclBinding_t *acl) { return acl->name; }
const char *rd_kafka_AclBinding_principal(const rd_kafka_AclBinding_t *acl)
{
    return acl->principal;
}
const char *rd_kafka_AclBinding_host(const rd_kafka_AclBinding_t *acl) { return acl->host; }
rd_kafka_AclOperation_t rd_kafka_AclBinding_operation(const rd_kafka_AclBinding_t *acl)
{
    return acl->operation;
}
rd_kafka_AclPermissionType_t rd_kafka_AclBinding_permission_type(const rd_kafka_AclBinding_t *acl)
{
    return acl->permission_type;
}
rd_kafka_ResourcePatternType_t rd_kafka_AclBinding_resource_pattern_type(
    const rd_kafka_AclBinding_t *acl)
{
    return acl->resource_pattern_type;
}
const rd_kafka_error_t *rd_kafka_AclBinding_error(const rd_kafka_AclBinding_t *acl)
{
    return acl->error;
}

void rd_kafka_AclBinding_destroy(rd_kafka_AclBinding_t *acl_binding)
{
    if (!acl_binding)
        return;
    free(acl_binding->name);
    free(acl_binding->principal);
    free(acl_binding->host);
    if (acl_binding->error)
        rd_kafka_error_destroy(acl_binding->error);
    free(acl_binding);
}

void rd_kafka_AclBinding_destroy_array(rd_kafka_AclBinding_t **acl_bindings,
                                       size_t acl_bindings_cnt)
{
    for (size_t i = 0; i < acl_bindings_cnt; i++)
        rd_kafka_AclBinding_destroy(acl_bindings[i]);
}

/* ---- results --------------------------------------------------------------- */

struct rd_kafka_acl_result_s {
    rd_kafka_error_t *error;  /* owned, NULL: none */
};

const rd_kafka_error_t *rd_kafka_acl_result_error(const rd_kafka_acl_result_t *aclres)
{
    return aclres->error;
}

/* DeleteAcls' answer to one filter, made as an acl_result (its first
 * member); matching_acls is always empty here. */
struct rd_kafka_DeleteAcls_result_response_s {
    struct rd_kafka_acl_result_s r;
};

const rd_kafka_error_t *rd_kafka_DeleteAcls_result_response_error(
    const rd_kafka_DeleteAcls_result_response_t *result_response)
{
    return result_response->r.error;
}

const rd_kafka_AclBinding_t **rd_kafka_DeleteAcls_result_response_matching_acls(
    const rd_kafka_DeleteAcls_result_response_t *result_response, size_t *matching_acls_cntp)
{
    (void)result_response;
    *matching_acls_cntp = 0;
    return NULL;
}

/* acl_result and DeleteAcls response: both one error. */
static void error_holder_free(void *p)
{
    struct rd_kafka_acl_result_s *r = p;
    if (r && r->error)
        rd_kafka_error_destroy(r->error);
    free(r);
}

static const void **items_of(const void *result, rd_kafka_event_type_t type, size_t *cntp)
{
    const shim_admin_res *res = shim_admin_res_of(result, type);
    *cntp = res ? res->n : 0;
    return res && res->n ? (const void **)res->items : NULL;
}

const rd_kafka_acl_result_t **rd_kafka_CreateAcls_result_acls(
    const rd_kafka_CreateAcls_result_t *result, size_t *cntp)
{
    return (const rd_kafka_acl_result_t **)items_of(result, RD_KAFKA_EVENT_CREATEACLS_RESULT,
                                                    cntp);
}

/* Always empty: DescribeAcls fails as a whole. */
const rd_kafka_AclBinding_t **rd_kafka_DescribeAcls_result_acls(
    const rd_kafka_DescribeAcls_result_t *result, size_t *cntp)
{
    return (const rd_kafka_AclBinding_t **)items_of(result, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT,
                                                    cntp);
}

const rd_kafka_DeleteAcls_result_response_t **rd_kafka_DeleteAcls_result_responses(
    const rd_kafka_DeleteAcls_result_t *result, size_t *cntp)
{
    return (const rd_kafka_DeleteAcls_result_response_t **)items_of(
        result, RD_KAFKA_EVENT_DELETEACLS_RESULT, cntp);
}

/* ---- operations ---------------------------------------------------------------- */

/* One error holder per item, each _NOT_IMPLEMENTED with why; cnt 0 is
 * librdkafka's request-level error empty_why. */
static void acl_reply(rd_kafka_t *rk, rd_kafka_queue_t *rkqu, rd_kafka_event_type_t type,
                      const rd_kafka_AdminOptions_t *options, size_t cnt, const char *empty_why,
                      const char *why)
{
    if (cnt == 0) {
        shim_admin_reply(rk, rkqu, type, options, NULL, RD_KAFKA_RESP_ERR__INVALID_ARG, "%s",
                         empty_why);
        return;
    }
    shim_admin_res *res = shim_admin_res_new(error_holder_free);
    int oom = !res;
    for (size_t i = 0; !oom && i < cnt; i++) {
        /* The larger of the two types an item is read as. */
        struct rd_kafka_acl_result_s *r =
            calloc(1, sizeof(struct rd_kafka_DeleteAcls_result_response_s));
        if (r && !(r->error = rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s", why))) {
            free(r);
            r = NULL;
        }
        oom = shim_admin_res_add(res, r);
    }
    shim_admin_reply(rk, rkqu, type, options, res, oom ? RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE : 0,
                     "out of memory");
}

void rd_kafka_CreateAcls(rd_kafka_t *rk, rd_kafka_AclBinding_t **new_acls, size_t new_acls_cnt,
                         const rd_kafka_AdminOptions_t *options, rd_kafka_queue_t *rkqu)
{
    (void)new_acls;
    if (rk)
        acl_reply(rk, rkqu, RD_KAFKA_EVENT_CREATEACLS_RESULT, options, new_acls_cnt,
                  "No acls to create", NOT_IMPL("CreateAcls"));
}

void rd_kafka_DeleteAcls(rd_kafka_t *rk, rd_kafka_AclBindingFilter_t **del_acls,
                         size_t del_acls_cnt, const rd_kafka_AdminOptions_t *options,
                         rd_kafka_queue_t *rkqu)
{
    (void)del_acls;
    if (rk)
        acl_reply(rk, rkqu, RD_KAFKA_EVENT_DELETEACLS_RESULT, options, del_acls_cnt,
                  "No acl binding filters specified", NOT_IMPL("DeleteAcls"));
}

void rd_kafka_DescribeAcls(rd_kafka_t *rk, rd_kafka_AclBindingFilter_t *acl_filter,
                           const rd_kafka_AdminOptions_t *options, rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    if (!acl_filter)
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "No acl binding filters specified");
    else
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s", NOT_IMPL("DescribeAcls"));
}
