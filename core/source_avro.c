/*
 * source_avro.c -- a data-lake source: the samples held in one field of the
 * records of a directory of Avro object container files, with a position a
 * restarted producer resumes from exactly (lakestream.h, "Data-lake sources").
 *
 * Layout: listing the directory; the container format (file header, block
 * headers, block bodies, deflate), parsed here with every count, length and
 * offset checked; records, pre-scanned (ls_avro_prescan, record.c) before
 * avro-c decodes them; positions (docs/formats.md, "Source position").
 *
 * Cursor invariant: (fd, block_index, block_off, rec) is the next sample to
 * return -- the record `rec` of the block whose header starts at block_off
 * -- and in_block says whether that block is loaded, pre-scanned and
 * `reader` stands just before record `rec`.  Every error leaves the cursor
 * where it was (or drops in_block, so the block is loaded again and `rec`
 * records skipped), hence a failed ls_source_next retries the same sample.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <avro.h>
#include <zlib.h>

#include "ls_int.h"

#define SYNC_BYTES 16u
#define BLOCK_HEADER_BYTES_MAX 20u        /* two varints of <= 10 bytes */
#define HEADER_READ_FIRST 4096u           /* header bytes read first; doubled as needed */
#define INFLATE_FIRST (256u << 10)        /* decompression buffer to start with */
#define DIR_SHOWN_BYTES 400u              /* the directory, quoted, in messages */
#define NAME_SHOWN_BYTES 300u             /* a file or field name, quoted, in messages */

/* Position: "LSP1" | u16 name_len | name | u64 block | u64 block_off | u64 record */
#define POS_MAGIC "LSP1"
#define POS_FIXED_BYTES (4u + 2u + 3u * 8u)
#define POS_BYTES_MAX (POS_FIXED_BYTES + LS_SOURCE_FILE_NAME_BYTES_MAX)
_Static_assert(POS_BYTES_MAX <= LS_SOURCE_POSITION_BYTES_MAX,
               "a source position must fit what a producer commit carries");

enum { CODEC_NULL, CODEC_DEFLATE };

struct ls_source {
    char   *dir;             /* as given, quoted (ls_quote): for messages only */
    int     dirfd;
    char   *field;
    char    field_shown[NAME_SHOWN_BYTES];   /* quoted, for messages */

    /* Files after the current one still to read: names[next..nnames),
     * sorted.  Listed again (names greater than `name`) once exhausted. */
    char  **names;
    size_t  nnames, next;

    /* The current file (fd >= 0 while open), or the last one read. */
    char     name[LS_SOURCE_FILE_NAME_BYTES_MAX + 1];   /* "" before the first */
    char     path[DIR_SHOWN_BYTES + NAME_SHOWN_BYTES];   /* "<dir>/<name>", quoted: messages */
    int      fd;
    uint64_t file_bytes;
    uint8_t  sync[SYNC_BYTES];
    int      codec;

    /* The writer's schema of the current file, kept while the next file
     * has the same JSON (the usual case), and the value records decode into. */
    ls_bytes            schema_json;
    avro_schema_t       schema;
    avro_value_iface_t *iface;
    avro_value_t        value;
    int                 has_value;
    int                 field_index;

    /* Cursor (see the invariant above). */
    uint64_t block_index, block_off, rec;
    uint64_t block_count, block_end;    /* of the loaded block: records; offset after its sync */
    int      in_block;
    ls_bytes raw;                       /* block body + sync as stored */
    ls_bytes plain;                     /* inflated body (deflate) */
    avro_reader_t reader;               /* over the loaded block's records */
    z_stream zs;
    int      zs_ready;

    uint8_t  pos[POS_BYTES_MAX];        /* position after the last sample returned */
    size_t   pos_len;
    ls_source_stats stats;
};

/* ---- errors ------------------------------------------------------------ */

/* "<dir>/<file>: block <i> (offset <o>): <why>" for the cursor's block. */
static int block_err(ls_source *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int block_err(ls_source *s, int err, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return ls_seterr(err, "%s: block %" PRIu64 " (offset %" PRIu64 "): %s", s->path,
                     s->block_index, s->block_off, why);
}

static const char *type_name(avro_schema_t sc)
{
    switch (avro_typeof(sc)) {
    case AVRO_STRING:  return "string";
    case AVRO_BYTES:   return "bytes";
    case AVRO_INT32:   return "int";
    case AVRO_INT64:   return "long";
    case AVRO_FLOAT:   return "float";
    case AVRO_DOUBLE:  return "double";
    case AVRO_BOOLEAN: return "boolean";
    case AVRO_NULL:    return "null";
    case AVRO_RECORD:  return "record";
    case AVRO_ENUM:    return "enum";
    case AVRO_FIXED:   return "fixed";
    case AVRO_MAP:     return "map";
    case AVRO_ARRAY:   return "array";
    case AVRO_UNION:   return "union";
    case AVRO_LINK:    return "named type reference";
    default:           return "unknown type";
    }
}

/* avro-c's error detail, which may quote the file's names, made safe. */
static const char *avro_why(char buf[LS_QUOTE_BYTES])
{
    const char *m = avro_strerror();
    return ls_quote(buf, LS_QUOTE_BYTES, m, strlen(m));
}

/* ---- small helpers ----------------------------------------------------- */

/* Avro long (zigzag varint).  0: ok; 1: input ends first; -1: overflows. */
static int get_long(const uint8_t **pp, const uint8_t *end, int64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t u = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (p == end)
            return 1;
        uint8_t b = *p++;
        if (shift == 63 && b > 1)
            return -1;
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *v = (int64_t)((u >> 1) ^ (0 - (u & 1)));
    *pp = p;
    return 0;
}

/* Read exactly n bytes at off (the caller checked they lie within the
 * size fstat gave); a short read means the file shrank under us. */
static int read_at(ls_source *s, void *buf, size_t n, uint64_t off, const char *what)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(s->fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ls_seterr(LS_ERR_IO, "%s: reading %s at offset %" PRIu64 ": %s",
                             s->path, what, off, strerror(errno));
        if (r == 0)
            return ls_seterr(LS_ERR_CORRUPT, "%s: ends at offset %" PRIu64 " while reading "
                             "%s (the file changed while being read?)", s->path,
                             off + got, what);
        got += (size_t)r;
    }
    s->stats.bytes_read += n;
    return LS_OK;
}

/* A name the source reads: "<something>.avro", not hidden, no '/'. */
static int name_ok(const char *name, size_t len)
{
    return len > 5 && len <= LS_SOURCE_FILE_NAME_BYTES_MAX && name[0] != '.' &&
           !memchr(name, '/', len) && !memchr(name, '\0', len) &&
           !memcmp(name + len - 5, ".avro", 5);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(ls_source *s)
{
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i]);
    free(s->names);
    s->names = NULL;
    s->nnames = s->next = 0;
}

/* List the dataset's files with names greater than `after`, sorted. */
static int list_files(ls_source *s, const char *after)
{
    free_names(s);
    int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ls_seterr(LS_ERR_IO, "%s: cannot list: %s", s->dir, strerror(e));
    }
    size_t cap = 0;
    int rc = LS_OK;
    struct dirent *de;
    for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
        const char *n = de->d_name;
        if (!name_ok(n, strlen(n)) || strcmp(n, after) <= 0)
            continue;
        if (de->d_type != DT_REG) {   /* links, or a file system without d_type */
            struct stat st;
            if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                continue;
            if (fstatat(s->dirfd, n, &st, 0) != 0 || !S_ISREG(st.st_mode))
                continue;
        }
        if (s->nnames == LS_SOURCE_FILES_MAX) {
            rc = ls_seterr(LS_ERR_LIMIT, "%s: more than %u .avro files", s->dir,
                           LS_SOURCE_FILES_MAX);
            break;
        }
        if (s->nnames == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **p = realloc(s->names, ncap * sizeof(*p));
            if (!p) {
                rc = ls_seterr(LS_ERR_NOMEM, "%s: cannot list %zu files", s->dir, ncap);
                break;
            }
            s->names = p;
            cap = ncap;
        }
        if (!(s->names[s->nnames] = strdup(n))) {
            rc = ls_seterr(LS_ERR_NOMEM, "%s: cannot list files", s->dir);
            break;
        }
        s->nnames++;
    }
    if (!rc && errno)
        rc = ls_seterr(LS_ERR_IO, "%s: cannot list: %s", s->dir, strerror(errno));
    closedir(d);
    if (rc) {
        free_names(s);
        return rc;
    }
    if (s->nnames)
        qsort(s->names, s->nnames, sizeof(*s->names), cmp_names);
    return LS_OK;
}

/* ---- file header ------------------------------------------------------- */

typedef struct header {
    const uint8_t *schema, *codec;   /* into the header buffer */
    size_t schema_len, codec_len;
    int    has_schema, has_codec;
    size_t len;                      /* magic .. sync inclusive */
} header;

/* Parse the header at buf[0..n).  *more = 1 if it continues past n. */
static int parse_header(ls_source *s, const uint8_t *buf, size_t n, header *h, int *more)
{
    const uint8_t *p = buf, *end = buf + n;
    memset(h, 0, sizeof(*h));
    *more = 0;
    if (n >= 4 && memcmp(buf, "Obj\x01", 4) != 0)
        return ls_seterr(LS_ERR_CORRUPT, "%s: not an Avro object container file (bad magic)",
                         s->path);
    if (n < 4)
        goto need_more;
    p += 4;
    /* The metadata: an Avro map<bytes>, possibly in several blocks. */
    for (;;) {
        int64_t count, block_bytes;
        int g = get_long(&p, end, &count);
        if (g > 0)
            goto need_more;
        if (g < 0 || count == INT64_MIN)
            return ls_seterr(LS_ERR_CORRUPT, "%s: header: bad metadata count", s->path);
        if (count == 0)
            break;
        if (count < 0) {   /* negative: the block's byte size follows */
            count = -count;
            if ((g = get_long(&p, end, &block_bytes)) > 0)
                goto need_more;
            if (g < 0 || block_bytes < 0)
                return ls_seterr(LS_ERR_CORRUPT, "%s: header: bad metadata block size",
                                 s->path);
        }
        /* Every entry takes >= 2 bytes, so running out of input ends even a
         * huge garbage count quickly. */
        for (int64_t i = 0; i < count; i++) {
            const uint8_t *kv[2];
            int64_t kvlen[2];
            for (int j = 0; j < 2; j++) {
                if ((g = get_long(&p, end, &kvlen[j])) > 0)
                    goto need_more;
                if (g < 0 || kvlen[j] < 0)
                    return ls_seterr(LS_ERR_CORRUPT, "%s: header: bad metadata %s length",
                                     s->path, j ? "value" : "key");
                if (kvlen[j] > end - p)
                    goto need_more;
                kv[j] = p;
                p += kvlen[j];
            }
            int is_schema = kvlen[0] == 11 && !memcmp(kv[0], "avro.schema", 11);
            int is_codec = kvlen[0] == 10 && !memcmp(kv[0], "avro.codec", 10);
            if ((is_schema && h->has_schema) || (is_codec && h->has_codec))
                return ls_seterr(LS_ERR_CORRUPT, "%s: header: %s appears twice", s->path,
                                 is_schema ? "avro.schema" : "avro.codec");
            if (is_schema) {
                h->schema = kv[1];
                h->schema_len = (size_t)kvlen[1];
                h->has_schema = 1;
            } else if (is_codec) {
                h->codec = kv[1];
                h->codec_len = (size_t)kvlen[1];
                h->has_codec = 1;
            }
        }
    }
    if (end - p < (ptrdiff_t)SYNC_BYTES)
        goto need_more;
    memcpy(s->sync, p, SYNC_BYTES);
    p += SYNC_BYTES;
    h->len = (size_t)(p - buf);
    return LS_OK;
need_more:
    *more = 1;
    return LS_OK;
}

/* Field type of a sample: bytes, string, or a union of those with null. */
static int sample_type_ok(avro_schema_t f)
{
    avro_type_t t = avro_typeof(f);
    if (t == AVRO_BYTES || t == AVRO_STRING)
        return 1;
    if (t != AVRO_UNION)
        return 0;
    int data = 0;
    for (size_t i = 0; i < avro_schema_union_size(f); i++) {
        avro_type_t b = avro_typeof(avro_schema_union_branch(f, (int)i));
        if (b == AVRO_BYTES || b == AVRO_STRING)
            data = 1;
        else if (b != AVRO_NULL)
            return 0;
    }
    return data;
}

static void drop_schema(ls_source *s)
{
    if (s->has_value)
        avro_value_decref(&s->value);
    if (s->iface)
        avro_value_iface_decref(s->iface);
    if (s->schema)
        avro_schema_decref(s->schema);
    s->has_value = 0;
    s->iface = NULL;
    s->schema = NULL;
    s->schema_json.len = 0;
}

/* Make the file's writer schema the current one (kept if unchanged). */
static int use_schema(ls_source *s, const uint8_t *json, size_t len)
{
    if (s->schema && len == s->schema_json.len && !memcmp(json, s->schema_json.data, len))
        return LS_OK;
    drop_schema(s);
    /* avro-c gets the schema only once it is known to be bounded and
     * free of recursion (it builds values of the whole schema at once). */
    int rc = ls_source_schema_check(s->path, json, len);
    if (rc)
        return rc;
    avro_schema_t sc;
    char why[LS_QUOTE_BYTES];
    if (avro_schema_from_json_length((const char *)json, len, &sc))
        return ls_seterr(LS_ERR_CORRUPT, "%s: header: avro.schema does not parse: %s",
                         s->path, avro_why(why));
    s->schema = sc;
    if (avro_typeof(sc) != AVRO_RECORD) {
        drop_schema(s);
        return ls_seterr(LS_ERR_INVALID, "%s: the records are of type %s, not records with a "
                         "field \"%s\"", s->path, type_name(sc), s->field_shown);
    }
    int idx = avro_schema_record_field_get_index(sc, s->field);
    if (idx < 0) {
        char fields[256] = "", q[64];
        size_t nf = avro_schema_record_size(sc), used = 0;
        for (size_t i = 0; i < nf && used < sizeof(fields); i++) {
            const char *fn = avro_schema_record_field_name(sc, (int)i);
            int w = snprintf(fields + used, sizeof(fields) - used, "%s%s", i ? ", " : "",
                             ls_quote(q, sizeof(q), fn, strlen(fn)));
            used += w > 0 ? (size_t)w : 0;
        }
        drop_schema(s);
        return ls_seterr(LS_ERR_INVALID, "%s: the records have no field \"%s\" (fields: %s)",
                         s->path, s->field_shown, fields);
    }
    avro_schema_t f = avro_schema_record_field_get_by_index(sc, idx);
    if (!sample_type_ok(f)) {
        const char *tn = type_name(f);
        drop_schema(s);
        return ls_seterr(LS_ERR_INVALID, "%s: field \"%s\" is of type %s; a sample must be "
                         "bytes or string (or a union of null with them)", s->path,
                         s->field_shown, tn);
    }
    if (!(s->iface = avro_generic_class_from_schema(sc))) {
        drop_schema(s);
        return ls_seterr(LS_ERR_CORRUPT, "%s: header: avro.schema is not usable: %s",
                         s->path, avro_why(why));
    }
    if (avro_generic_value_new(s->iface, &s->value)) {
        drop_schema(s);
        return ls_seterr(LS_ERR_NOMEM, "%s: cannot allocate an Avro value", s->path);
    }
    s->has_value = 1;
    s->field_index = idx;
    if ((rc = ls_bytes_append(&s->schema_json, json, len))) {
        drop_schema(s);
        return ls_preferr(rc, "%s", s->path);
    }
    return LS_OK;
}

static void close_file(ls_source *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->in_block = 0;
}

/* Open file `name` of the dataset and read its header; the cursor is then
 * at its first block.  LS_ERR_NOT_FOUND if it does not exist. */
static int open_file(ls_source *s, const char *name)
{
    close_file(s);
    char shown[NAME_SHOWN_BYTES];
    snprintf(s->path, sizeof(s->path), "%s/%s", s->dir,
             ls_quote(shown, sizeof(shown), name, strlen(name)));
    int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ls_seterr(errno == ENOENT ? LS_ERR_NOT_FOUND : LS_ERR_IO, "%s: cannot open: %s",
                         s->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ls_seterr(LS_ERR_IO, "%s: stat: %s", s->path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return ls_seterr(LS_ERR_INVALID, "%s: not a regular file", s->path);
    }
    s->fd = fd;
    s->file_bytes = (uint64_t)st.st_size;

    /* Headers are small, but a schema may be large: read a first piece and
     * double it until the header fits (up to LS_SOURCE_HEADER_BYTES_MAX). */
    uint64_t limit = s->file_bytes < LS_SOURCE_HEADER_BYTES_MAX ? s->file_bytes
                                                                : LS_SOURCE_HEADER_BYTES_MAX;
    size_t want = limit < HEADER_READ_FIRST ? (size_t)limit : HEADER_READ_FIRST;
    header h;
    int rc, more;
    for (;;) {
        s->raw.len = 0;
        if ((rc = ls_bytes_reserve(&s->raw, want ? want : 1)) ||
            (rc = read_at(s, s->raw.data, want, 0, "the header")))
            goto fail;
        if ((rc = parse_header(s, s->raw.data, want, &h, &more)))
            goto fail;
        if (!more)
            break;
        if (want == limit) {
            rc = limit == s->file_bytes
                 ? ls_seterr(LS_ERR_CORRUPT, "%s: truncated header (%" PRIu64 " bytes)",
                             s->path, s->file_bytes)
                 : ls_seterr(LS_ERR_LIMIT, "%s: header exceeds the limit of %u bytes",
                             s->path, LS_SOURCE_HEADER_BYTES_MAX);
            goto fail;
        }
        want = (uint64_t)want * 2 < limit ? want * 2 : (size_t)limit;
    }
    if (!h.has_codec || (h.codec_len == 4 && !memcmp(h.codec, "null", 4))) {
        s->codec = CODEC_NULL;
    } else if (h.codec_len == 7 && !memcmp(h.codec, "deflate", 7)) {
        s->codec = CODEC_DEFLATE;
    } else {
        char codec[64];
        rc = ls_seterr(LS_ERR_UNSUPPORTED, "%s: codec \"%s\" is not supported (only null "
                       "and deflate)", s->path,
                       ls_quote(codec, sizeof(codec), (const char *)h.codec, h.codec_len));
        goto fail;
    }
    if (!h.has_schema) {
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: header has no avro.schema", s->path);
        goto fail;
    }
    if ((rc = use_schema(s, h.schema, h.schema_len)))
        goto fail;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->block_index = 0;
    s->block_off = h.len;
    s->rec = 0;
    s->in_block = 0;
    s->stats.files_opened++;
    return LS_OK;
fail:
    close_file(s);
    return rc;
}

/* ---- blocks ------------------------------------------------------------ */

/* Read the header of the cursor's block: its record count and body size,
 * checked against the file size and the limits.  *body_off: where the body
 * starts; the sync marker follows the body. */
static int read_block_header(ls_source *s, uint64_t *count, uint64_t *size,
                             uint64_t *body_off)
{
    uint8_t buf[BLOCK_HEADER_BYTES_MAX];
    uint64_t left = s->file_bytes - s->block_off;
    size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
    int rc = read_at(s, buf, n, s->block_off, "a block header");
    if (rc)
        return rc;
    const uint8_t *p = buf, *end = buf + n;
    int64_t c, z;
    int g = get_long(&p, end, &c);
    if (g == 0)
        g = get_long(&p, end, &z);
    if (g > 0)
        return block_err(s, LS_ERR_CORRUPT, "truncated block header (%zu bytes left in the "
                         "file)", n);
    if (g < 0)
        return block_err(s, LS_ERR_CORRUPT, "block header varint overflows 64 bits");
    if (c < 0)
        return block_err(s, LS_ERR_CORRUPT, "negative record count %" PRId64, c);
    if (z < 0)
        return block_err(s, LS_ERR_CORRUPT, "negative block size %" PRId64, z);
    uint64_t body = s->block_off + (uint64_t)(p - buf);
    uint64_t room = s->file_bytes - body;   /* body <= file_bytes: p <= end */
    if ((uint64_t)z > room || room - (uint64_t)z < SYNC_BYTES)
        return block_err(s, LS_ERR_CORRUPT, "a block of %" PRId64 " bytes and its sync marker "
                         "run past the end of the file (%" PRIu64 " bytes left): truncated "
                         "file or garbage size", z, room);
    if ((uint64_t)z > LS_SOURCE_BLOCK_BYTES_MAX)
        return block_err(s, LS_ERR_LIMIT, "block of %" PRId64 " bytes exceeds the limit of %u",
                         z, LS_SOURCE_BLOCK_BYTES_MAX);
    if ((uint64_t)c > LS_SOURCE_BLOCK_RECORDS_MAX)
        return block_err(s, LS_ERR_LIMIT, "%" PRId64 " records exceed the limit of %u per "
                         "block", c, LS_SOURCE_BLOCK_RECORDS_MAX);
    *count = (uint64_t)c;
    *size = (uint64_t)z;
    *body_off = body;
    return LS_OK;
}

static int check_sync(ls_source *s, const uint8_t *sync)
{
    if (memcmp(sync, s->sync, SYNC_BYTES) != 0)
        return block_err(s, LS_ERR_CORRUPT, "sync marker after the block does not match the "
                         "file header's (corrupt block, or a garbage block size)");
    return LS_OK;
}

/* Pass over the cursor's block reading only its header and sync marker. */
static int skip_block(ls_source *s, uint64_t *count)
{
    uint64_t size, body;
    uint8_t sync[SYNC_BYTES];
    int rc = read_block_header(s, count, &size, &body);
    if (rc || (rc = read_at(s, sync, SYNC_BYTES, body + size, "a sync marker")) ||
        (rc = check_sync(s, sync)))
        return rc;
    s->stats.blocks_skipped++;
    s->stats.records_skipped += *count;
    s->block_off = body + size + SYNC_BYTES;
    s->block_index++;
    s->rec = 0;
    return LS_OK;
}

/* Inflate a raw deflate body (RFC 1951, as the Avro spec says) into
 * s->plain, bounded by LS_SOURCE_BLOCK_BYTES_MAX. */
static int inflate_block(ls_source *s, const uint8_t *in, size_t in_len, size_t *out_len)
{
    if (!s->zs_ready) {
        memset(&s->zs, 0, sizeof(s->zs));
        if (inflateInit2(&s->zs, -15) != Z_OK)
            return block_err(s, LS_ERR_NOMEM, "cannot initialise zlib");
        s->zs_ready = 1;
    } else if (inflateReset(&s->zs) != Z_OK) {
        return block_err(s, LS_ERR_NOMEM, "cannot reset zlib");
    }
    /* One byte of room beyond the limit tells "exactly the limit" (fine)
     * from "more" without a further inflate call. */
    const size_t out_max = (size_t)LS_SOURCE_BLOCK_BYTES_MAX + 1;
    size_t first = in_len < INFLATE_FIRST / 4 ? INFLATE_FIRST : in_len * 4;
    if (first > out_max)
        first = out_max;
    s->plain.len = 0;
    int rc = ls_bytes_reserve(&s->plain, first);
    if (rc)
        return ls_preferr(rc, "%s: block %" PRIu64, s->path, s->block_index);
    size_t out = 0;
    s->zs.next_in = (Bytef *)in;
    s->zs.avail_in = (uInt)in_len;   /* <= LS_SOURCE_BLOCK_BYTES_MAX */
    for (;;) {
        size_t cap = s->plain.cap < out_max ? s->plain.cap : out_max;
        size_t room = cap - out;
        s->zs.next_out = s->plain.data + out;
        s->zs.avail_out = (uInt)room;
        int zr = inflate(&s->zs, Z_NO_FLUSH);
        out += room - s->zs.avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return block_err(s, zr == Z_MEM_ERROR ? LS_ERR_NOMEM : LS_ERR_CORRUPT,
                             "deflate: %s", s->zs.msg ? s->zs.msg : "bad data");
        if (s->zs.avail_out == 0) {
            if (out >= out_max)
                break;   /* refused below */
            s->plain.len = out;
            size_t more = out < out_max - out ? out : out_max - out;
            if ((rc = ls_bytes_reserve(&s->plain, more)))
                return ls_preferr(rc, "%s: block %" PRIu64, s->path, s->block_index);
            continue;
        }
        if (s->zs.avail_in == 0)
            return block_err(s, LS_ERR_CORRUPT, "deflate stream is truncated");
        if (zr == Z_BUF_ERROR)   /* no progress with input and room: cannot happen */
            return block_err(s, LS_ERR_CORRUPT, "deflate: no progress");
    }
    if (out > LS_SOURCE_BLOCK_BYTES_MAX)
        return block_err(s, LS_ERR_LIMIT, "inflates to more than the limit of %u bytes",
                         LS_SOURCE_BLOCK_BYTES_MAX);
    if (s->zs.avail_in != 0)
        return block_err(s, LS_ERR_CORRUPT, "%u bytes after the end of the deflate stream",
                         s->zs.avail_in);
    s->plain.len = out;
    *out_len = out;
    return LS_OK;
}

/* Load the cursor's block: read, check the sync marker, decompress, and
 * pre-scan every record (so a bad block fails before any of its samples is
 * returned, and avro-c only sees well-formed records); leave the reader at
 * record `rec`.  A block whose records are all consumed (rec == count: a
 * position "after this block") is passed over by its header. */
static int load_block(ls_source *s)
{
    uint64_t count, size, body;
    int rc = read_block_header(s, &count, &size, &body);
    if (rc)
        return rc;
    if (s->rec > count)   /* only a position can say so (checked at open, too) */
        return block_err(s, LS_ERR_INVALID, "position names record %" PRIu64 " of a block "
                         "of %" PRIu64 " records", s->rec, count);
    if (s->rec == count)
        return skip_block(s, &count);
    s->raw.len = 0;
    if ((rc = ls_bytes_reserve(&s->raw, (size_t)size + SYNC_BYTES)))
        return ls_preferr(rc, "%s: block %" PRIu64, s->path, s->block_index);
    if ((rc = read_at(s, s->raw.data, (size_t)size + SYNC_BYTES, body, "a block")) ||
        (rc = check_sync(s, s->raw.data + size)))
        return rc;
    const uint8_t *data = s->raw.data;
    size_t len = (size_t)size;
    if (s->codec == CODEC_DEFLATE) {
        if ((rc = inflate_block(s, s->raw.data, (size_t)size, &len)))
            return rc;
        data = s->plain.data;
    }
    /* Each record holds at least the sample's length (or union branch):
     * one byte, so a count beyond the length is garbage. */
    if (count > len)
        return block_err(s, LS_ERR_CORRUPT, "%" PRIu64 " records cannot fit in %zu bytes",
                         count, len);
    size_t off = 0, start = 0;
    /* Work linear in the data: values may take no byte (nulls, records of
     * nulls), so the block's records may hold LS_SOURCE_BLOCK_VALUES_PER_BYTE
     * per byte, plus one schema's worth for a block of empty records. */
    uint64_t budget = (uint64_t)len * LS_SOURCE_BLOCK_VALUES_PER_BYTE +
                      LS_SOURCE_SCHEMA_NODES_MAX;
    for (uint64_t i = 0; i < count; i++) {
        size_t used;
        if (i == s->rec)
            start = off;
        if ((rc = ls_avro_prescan(s->schema, data + off, len - off, NULL, &used,
                                  &budget)))
            return ls_preferr(rc, "%s: block %" PRIu64 " (offset %" PRIu64 "): record %" PRIu64,
                              s->path, s->block_index, s->block_off, i);
        off += used;
    }
    if (off != len)
        return block_err(s, LS_ERR_CORRUPT, "%zu bytes after its %" PRIu64 " records "
                         "(wrong record count?)", len - off, count);
    avro_reader_memory_set_source(s->reader, (const char *)data + start, (int64_t)(len - start));
    s->block_count = count;
    s->block_end = body + size + SYNC_BYTES;
    s->in_block = 1;
    s->stats.blocks_read++;
    s->stats.records_skipped += s->rec;
    return LS_OK;
}

/* ---- positions --------------------------------------------------------- */

static void position_encode(ls_source *s)
{
    size_t n = strlen(s->name);
    LS_ASSERT(name_ok(s->name, n) && s->rec >= 1 && s->rec <= s->block_count);
    memcpy(s->pos, POS_MAGIC, 4);
    ls_put_u16le(s->pos + 4, (uint16_t)n);
    memcpy(s->pos + 6, s->name, n);
    ls_put_u64le(s->pos + 6 + n, s->block_index);
    ls_put_u64le(s->pos + 14 + n, s->block_off);
    ls_put_u64le(s->pos + 22 + n, s->rec);
    s->pos_len = POS_FIXED_BYTES + n;
}

typedef struct position {
    char     name[LS_SOURCE_FILE_NAME_BYTES_MAX + 1];
    uint64_t block, block_off, rec;
} position;

static int position_decode(const uint8_t *p, size_t len, position *out)
{
    if (len < 6 || memcmp(p, POS_MAGIC, 4) != 0)
        return ls_seterr(LS_ERR_INVALID, "source position: not an Avro source position "
                         "(bad magic, %zu bytes)", len);
    size_t n = ls_get_u16le(p + 4);
    if (len != POS_FIXED_BYTES + n)
        return ls_seterr(LS_ERR_INVALID, "source position: %zu bytes, expected %zu for a "
                         "file name of %zu", len, POS_FIXED_BYTES + n, n);
    if (!name_ok((const char *)p + 6, n)) {
        char shown[NAME_SHOWN_BYTES];
        return ls_seterr(LS_ERR_INVALID, "source position: bad file name \"%s\"",
                         ls_quote(shown, sizeof(shown), (const char *)p + 6, n));
    }
    memcpy(out->name, p + 6, n);
    out->name[n] = '\0';
    out->block = ls_get_u64le(p + 6 + n);
    out->block_off = ls_get_u64le(p + 14 + n);
    out->rec = ls_get_u64le(p + 22 + n);
    if (out->rec > LS_SOURCE_BLOCK_RECORDS_MAX)
        return ls_seterr(LS_ERR_INVALID, "source position: record index %" PRIu64 " exceeds "
                         "the limit of %u", out->rec, LS_SOURCE_BLOCK_RECORDS_MAX);
    return LS_OK;
}

/* Move the open file's cursor to the position's block by reading block
 * headers only (each sync marker checked, no record decoded), and check
 * that the block is where the position recorded it. */
static int seek_position(ls_source *s, const position *pos)
{
    uint64_t count;
    int rc;
    while (s->block_index < pos->block) {
        if (s->block_off == s->file_bytes)
            return ls_seterr(LS_ERR_INVALID, "source position: %s has %" PRIu64 " blocks, "
                             "the position names block %" PRIu64, s->path, s->block_index,
                             pos->block);
        if ((rc = skip_block(s, &count)))
            return rc;
    }
    if (s->block_off == s->file_bytes)
        return ls_seterr(LS_ERR_INVALID, "source position: %s has %" PRIu64 " blocks, the "
                         "position names block %" PRIu64, s->path, s->block_index, pos->block);
    if (s->block_off != pos->block_off)
        return ls_seterr(LS_ERR_INVALID, "source position: block %" PRIu64 " of %s is at "
                         "offset %" PRIu64 ", the position says %" PRIu64 " (was the file "
                         "rewritten?)", pos->block, s->path, s->block_off, pos->block_off);
    uint64_t size, body;
    if ((rc = read_block_header(s, &count, &size, &body)))
        return rc;
    if (pos->rec > count)
        return ls_seterr(LS_ERR_INVALID, "source position: record %" PRIu64 " of block %"
                         PRIu64 " of %s, which holds %" PRIu64, pos->rec, pos->block,
                         s->path, count);
    s->rec = pos->rec;
    return LS_OK;
}

/* ---- API --------------------------------------------------------------- */

int ls_source_open(const char *dir, const char *field, const void *pos, size_t pos_len,
                   ls_source **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "ls_source_open: out is NULL");
    *out = NULL;
    if (!dir || !*dir || strlen(dir) > LS_SOURCE_DIR_BYTES_MAX)
        return ls_seterr(LS_ERR_INVALID, "ls_source_open: dataset directory is empty, NULL "
                         "or longer than %u bytes", LS_SOURCE_DIR_BYTES_MAX);
    if (!field || !*field)
        return ls_seterr(LS_ERR_INVALID, "ls_source_open: field name is empty or NULL");
    if (!pos && pos_len)
        return ls_seterr(LS_ERR_INVALID, "ls_source_open: position is NULL with length %zu",
                         pos_len);
    position ps;
    int rc;
    if (pos_len && (rc = position_decode(pos, pos_len, &ps)))
        return rc;

    ls_source *s = calloc(1, sizeof(*s));
    if (!s)
        return ls_seterr(LS_ERR_NOMEM, "cannot allocate a source");
    s->fd = -1;
    s->dirfd = -1;
    char dir_shown[DIR_SHOWN_BYTES];
    ls_quote(dir_shown, sizeof(dir_shown), dir, strlen(dir));
    ls_quote(s->field_shown, sizeof(s->field_shown), field, strlen(field));
    if (!(s->dir = strdup(dir_shown)) || !(s->field = strdup(field)) ||
        !(s->reader = avro_reader_memory(NULL, 0))) {
        ls_source_close(s);
        return ls_seterr(LS_ERR_NOMEM, "cannot allocate a source");
    }
    if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        int e = errno;
        rc = ls_seterr(e == ENOENT ? LS_ERR_NOT_FOUND : e == ENOTDIR ? LS_ERR_INVALID
                                                                    : LS_ERR_IO,
                       "%s: cannot open the dataset directory: %s", s->dir, strerror(e));
        ls_source_close(s);
        return rc;
    }

    if (pos_len) {
        rc = open_file(s, ps.name);
        if (rc == LS_ERR_NOT_FOUND) {
            char shown[NAME_SHOWN_BYTES];
            rc = ls_seterr(LS_ERR_INVALID, "source position: names %s, which is not in the "
                           "dataset %s", ls_quote(shown, sizeof(shown), ps.name,
                                                  strlen(ps.name)), s->dir);
        }
        if (!rc)
            rc = seek_position(s, &ps);
        if (!rc)
            rc = list_files(s, ps.name);
        if (!rc) {
            memcpy(s->pos, pos, pos_len);
            s->pos_len = pos_len;
        }
    } else {
        /* Open the first file now, so that a dataset without the field or
         * with an unknown codec fails here rather than at the first sample. */
        rc = list_files(s, "");
        if (!rc && s->nnames && !(rc = open_file(s, s->names[0])))
            s->next = 1;
    }
    if (rc) {
        ls_source_close(s);
        return rc;
    }
    *out = s;
    return LS_OK;
}

/* Decode the next record of the loaded block and point at its sample. */
static int read_record(ls_source *s, const void **data, size_t *len)
{
    LS_ASSERT(s->in_block && s->has_value && s->rec < s->block_count);
    int arc = avro_value_read(s->reader, &s->value);
    avro_value_t f, b;
    if (!arc)
        arc = avro_value_get_by_index(&s->value, (size_t)s->field_index, &f, NULL);
    if (!arc && avro_value_get_type(&f) == AVRO_UNION &&
        !(arc = avro_value_get_current_branch(&f, &b)))
        f = b;
    char why[LS_QUOTE_BYTES];
    if (arc) {   /* the pre-scan rules this out; reported, not trusted */
        s->in_block = 0;
        return block_err(s, arc == ENOMEM ? LS_ERR_NOMEM : LS_ERR_CORRUPT, "record %" PRIu64
                         ": avro: %s", s->rec, avro_why(why));
    }
    const void *p = NULL;
    size_t n = 0;
    switch (avro_value_get_type(&f)) {
    case AVRO_BYTES:
        arc = avro_value_get_bytes(&f, &p, &n);
        break;
    case AVRO_STRING: {
        const char *str = NULL;
        arc = avro_value_get_string(&f, &str, &n);
        p = str;
        n = n ? n - 1 : 0;   /* avro-c counts the terminating NUL */
        break;
    }
    case AVRO_NULL:
        /* The reader has passed this record: reload the block to retry. */
        s->in_block = 0;
        return block_err(s, LS_ERR_INVALID, "record %" PRIu64 ": field \"%s\" is null",
                         s->rec, s->field_shown);
    default:
        arc = EINVAL;
    }
    if (arc) {
        s->in_block = 0;
        return block_err(s, LS_ERR_CORRUPT, "record %" PRIu64 ": field \"%s\": avro: %s",
                         s->rec, s->field_shown, avro_why(why));
    }
    s->rec++;
    s->stats.records_read++;
    position_encode(s);
    *data = p ? p : "";
    *len = n;
    return LS_OK;
}

int ls_source_next(ls_source *s, const void **data, size_t *len, int *eof)
{
    if (!s || !data || !len || !eof)
        return ls_seterr(LS_ERR_INVALID, "ls_source_next: NULL argument");
    *data = NULL;
    *len = 0;
    *eof = 0;
    int rc;
    for (;;) {
        if (s->fd < 0) {
            if (s->next == s->nnames && (rc = list_files(s, s->name)))
                return rc;
            if (s->next == s->nnames) {
                *eof = 1;
                return LS_OK;
            }
            if ((rc = open_file(s, s->names[s->next]))) {
                if (rc == LS_ERR_NOT_FOUND)   /* removed since listed: list again next time */
                    free_names(s);
                return rc;
            }
            s->next++;
        } else if (!s->in_block) {
            if (s->block_off == s->file_bytes)
                close_file(s);
            else if ((rc = load_block(s)))
                return rc;
        } else if (s->rec == s->block_count) {
            s->in_block = 0;
            s->block_off = s->block_end;
            s->block_index++;
            s->rec = 0;
        } else {
            return read_record(s, data, len);
        }
    }
}

const void *ls_source_position(ls_source *s, size_t *len)
{
    *len = s ? s->pos_len : 0;
    return s ? s->pos : NULL;
}

void ls_source_stats_get(const ls_source *s, ls_source_stats *out)
{
    if (s)
        *out = s->stats;
    else
        memset(out, 0, sizeof(*out));
}

void ls_source_close(ls_source *s)
{
    if (!s)
        return;
    close_file(s);
    if (s->dirfd >= 0)
        close(s->dirfd);
    drop_schema(s);
    ls_bytes_free(&s->schema_json);
    ls_bytes_free(&s->raw);
    ls_bytes_free(&s->plain);
    if (s->reader)
        avro_reader_free(s->reader);
    if (s->zs_ready)
        inflateEnd(&s->zs);
    free_names(s);
    free(s->dir);
    free(s->field);
    free(s);
}
