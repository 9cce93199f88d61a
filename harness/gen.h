/*
 * gen.h -- the deterministic samples and Avro datasets that
 * lakestream-datagen writes and the benchmarks write and check (as zstd's
 * programs/datagen.c serves both its CLI and its benchmarks).
 *
 * A dataset is FILES object container files <dir>/<prefix>-00000.avro ...
 * of RECORDS records {"id": long, <field>: bytes|string} each.  The sample
 * of record r of file f begins with the readable tag "<prefix>/<f>/<r>:" (so
 * a reader can check that every sample arrives exactly once) and is followed
 * by filler derived from (seed, salt, f, r) alone; its length is drawn from
 * [min_bytes, max_bytes] (never shorter than the tag); id = f * records + r.
 * Files are written under a hidden temporary name and renamed, so a reader
 * never sees a partial file.
 */
#ifndef LS_HARNESS_GEN_H
#define LS_HARNESS_GEN_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#define GEN_RECORD_OVERHEAD 32u   /* bytes of an Avro record besides its sample (id, lengths) */
#define GEN_TAG_BYTES_MAX   64u   /* a tag, "<prefix>/<f>/<r>:", as gen_sample_id reads it */
#define GEN_ERR_BYTES       512u  /* gen_err's reason */

/* One step of the splitmix64 generator: the next value of *state. */
uint64_t gen_splitmix64(uint64_t *state);

/* FNV-1a of a string: lakestream-datagen's salt is that of its prefix. */
uint64_t gen_fnv1a64(const char *s);

typedef struct gen_spec {
    uint64_t    seed, salt;           /* the filler's stream */
    const char *prefix;               /* of the tags and the file names */
    uint64_t    records;              /* per file */
    uint64_t    min_bytes, max_bytes;
    int         is_string;            /* filler 'a'..'z' (an Avro string) */
} gen_spec;

/* The sample of record r of file f into buf, NUL-terminated; returns its
 * length.  cap must exceed max(max_bytes, the tag's length). */
size_t gen_sample(const gen_spec *g, uint64_t f, uint64_t r, char *buf, size_t cap);

/* The global index (f * records + r) of a sample from its tag: 0 and *id,
 * or -1 if it has no tag of g's prefix. */
int gen_sample_id(const gen_spec *g, const void *data, size_t len, uint64_t *id);

/* What failed (a file, "schema") and why, for the caller's message. */
typedef struct gen_err {
    char what[PATH_MAX + 64], why[GEN_ERR_BYTES];
} gen_err;

/* The schema and value class of a dataset's records, in Avro namespace ns. */
typedef struct gen_avro {
    avro_schema_t       schema;
    avro_value_iface_t *iface;
} gen_avro;

int  gen_avro_open(gen_avro *a, const char *ns, const char *field, int is_string, gen_err *e);
void gen_avro_close(gen_avro *a);

/* Write file f of the dataset into dir with codec (null, deflate), a block
 * every block_records records; buf (cap bytes) holds one sample.  0, or -1
 * and e; nothing is left under the file's name on failure. */
int gen_avro_file(const gen_avro *a, const gen_spec *g, const char *dir, const char *codec,
                  uint64_t block_records, uint64_t f, char *buf, size_t cap, gen_err *e);

#endif
