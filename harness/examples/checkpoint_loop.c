/*
 * checkpoint_loop.c -- how a training loop uses Lakestream checkpoints.
 *
 * Every rank reads its slice of each step; every EVERY steps rank 0 saves
 * the model (here: a small file standing in for the real checkpoint),
 * makes it durable, and only then registers it with the table.  Older
 * model checkpoints are deleted and released, so GC may reclaim the steps
 * below the oldest one kept.  Restarted, the loop resumes at the newest
 * registered checkpoint: the steps it reads again are byte-identical, at
 * this world size or another.
 *
 *   usage: checkpoint_loop STORE TABLE RANK WORLD STEPS [MODEL_DIR]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "lakestream.h"

#define EVERY 10        /* steps between model checkpoints */
#define KEEP 2          /* model checkpoints kept */

static int die(const char *what, int rc)
{
    fprintf(stderr, "checkpoint_loop: %s: %s\n", what, *ls_errmsg() ? ls_errmsg()
                                                                      : ls_err2str(rc));
    return 1;
}

/* The newest live checkpoint's step: where a restarted job resumes. */
static int resume_step(ls_store *st, const char *table, uint64_t *step)
{
    ls_table *t;
    int rc = ls_table_open(st, table, NULL, &t);
    if (rc)
        return rc;
    ls_checkpoint_info ci;
    *step = 0;
    for (size_t i = 0; ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++)
        if (ci.live && ci.step > *step)
            *step = ci.step;
    ls_table_close(t);
    return LS_OK;
}

/* Stand-in for saving model weights: write a file and fsync it. */
static int save_model(const char *dir, uint64_t step)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/model-%06" PRIu64 ".ckpt", dir, step);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "weights after step %" PRIu64 "\n", step);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: checkpoint_loop STORE TABLE RANK WORLD STEPS [MODEL_DIR]\n");
        return 2;
    }
    const char *table = argv[2], *model_dir = argc > 6 ? argv[6] : ".";
    uint32_t rank = (uint32_t)strtoul(argv[3], NULL, 10);
    uint32_t world = (uint32_t)strtoul(argv[4], NULL, 10);
    uint64_t steps = strtoull(argv[5], NULL, 10), start;
    ls_store *st;
    int rc = ls_store_open(argv[1], NULL, &st);
    if (rc)
        return die("store", rc);
    if ((rc = resume_step(st, table, &start)))
        return die("resume", rc);
    ls_consumer *c;
    if ((rc = ls_consumer_open(st, table, rank, world, NULL, &c)))
        return die("consumer", rc);
    printf("rank %u/%u resumes at step %" PRIu64 "\n", rank, world, start);
    uint64_t digest = 0;
    for (uint64_t s = start; s < start + steps; s++) {
        ls_batch *b;
        if ((rc = ls_consumer_read_step(c, s, 60000, &b)))
            return die("read", rc);
        for (size_t i = 0; i < b->count; i++)       /* "train" on the micro-batch */
            for (size_t k = 0; k < b->lens[i]; k++)
                digest = digest * 31 + b->samples[i][k];
        ls_batch_destroy(b);
        /* All ranks meet here in a real job (the optimizer step). */
        if (rank == 0 && (s + 1) % EVERY == 0) {
            char name[64];
            snprintf(name, sizeof(name), "model-%06" PRIu64, s + 1);
            /* 1. the model checkpoint is durable, 2. then it is registered. */
            if (save_model(model_dir, s + 1)) {
                fprintf(stderr, "checkpoint_loop: save model in %s: %s\n", model_dir,
                        strerror(errno));
                return 1;
            }
            if ((rc = ls_checkpoint_register(st, table, name, s + 1, NULL)))
                return die("register", rc);
            /* Delete the model checkpoint that falls out of the window,
             * then release it: GC may now reclaim the steps below it. */
            if (s + 1 > (uint64_t)EVERY * KEEP) {
                uint64_t old = s + 1 - (uint64_t)EVERY * KEEP;
                char path[4096];
                snprintf(name, sizeof(name), "model-%06" PRIu64, old);
                snprintf(path, sizeof(path), "%s/%s.ckpt", model_dir, name);
                remove(path);
                rc = ls_checkpoint_release(st, table, name, NULL);
                if (rc && rc != LS_ERR_NOT_FOUND)
                    return die("release", rc);
            }
        }
    }
    printf("rank %u/%u read steps %" PRIu64 "..%" PRIu64 ", digest %016" PRIx64 "\n", rank,
           world, start, start + steps - 1, digest);
    ls_consumer_close(c);
    ls_store_close(st);
    return 0;
}
