/*
 * workload.h -- benchmark workloads (workloads/NAME.conf, docs/workloads.md):
 * a key=value file parsed into a wl_workload, deterministic samples, the
 * preprocessing cost model, and the harness's shared run state.
 *
 * Shared by lakestream-bench (the orchestrator) and its workers, which are
 * built twice from one source (harness/worker.c): against the Kafka shim
 * and against librdkafka.  Nothing here links either.
 */
#ifndef LS_WORKLOAD_H
#define LS_WORKLOAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define WL_NAME_BYTES      64u
#define WL_KEYS_MAX        64u
#define WL_LINE_BYTES      1024u
#define WL_RANKS_MAX       1024u
#define WL_PRODUCERS_MAX   256u
#define WL_WORKERS_MAX     512u
#define WL_HEADER_BYTES    24u    /* magic, index, length, crc32 */
#define WL_SAMPLE_MAGIC    0x4c53574cu  /* "LWSL" */
#define WL_SHM_MAGIC       0x4c534d32u
#define WL_STEP_LOG_MAX    65536u /* step completion times kept (a ring) */
#define WL_PRODUCER_NICE   10     /* producers' niceness: hosts of their own elsewhere */

typedef enum { WL_IMAGE_TEXT = 1, WL_CONVERSATION = 2 } wl_kind;

typedef struct wl_workload {
    char     name[WL_NAME_BYTES];
    uint64_t seed;
    wl_kind  kind;
    /* image-text */
    double   image_median, image_sigma;
    uint64_t image_min, image_max;
    uint32_t caption_words_min, caption_words_max;
    /* conversation */
    uint64_t text_min, text_max;
    uint32_t turns_min, turns_max;
    /* cost */
    double   preprocess_ms_per_mb, preprocess_fixed_ms;
    /* job */
    uint32_t global_batch, world_size;
    double   step_time_ms;
    uint32_t colocated_workers, producers, producer_workers;
    uint32_t checkpoint_every_steps;  /* ranks commit their position every so many steps */
} wl_workload;

/* Parse a workload file; on error returns -1 with a message in err. */
int wl_load(const char *path, wl_workload *w, char *err, size_t err_size);

/* Size of sample `index` (header included) and its bytes (out: size). */
size_t   wl_sample_size(const wl_workload *w, uint64_t index);
void     wl_sample_fill(const wl_workload *w, uint64_t index, uint8_t *out, size_t size);
/* Check a sample: 0 and *index if it is intact, -1 if not. */
int      wl_sample_check(const uint8_t *buf, size_t len, uint64_t *index);
/* Preprocessing cost of a sample of `size` bytes, in ms. */
double   wl_cost_ms(const wl_workload *w, size_t size);
/* Preprocess: a real pass over the bytes, then busy time up to the cost
 * (modelled: the loader host's core is taken for that long). */
uint32_t wl_preprocess(const wl_workload *w, const uint8_t *buf, size_t len);

uint64_t wl_now_ns(void);
void     wl_sleep_ns(uint64_t ns);

/* The state a run shares between its processes (a file mmap'd by all). */
typedef struct wl_rank_stat {
    uint64_t steps, samples, bytes, bad_samples;
    uint64_t wait_ns_total;
    uint64_t ckpt_step;          /* position committed at the last checkpoint */
    uint64_t ckpt_offset;        /* the partition offset committed with it */
    uint64_t offset_gaps;        /* offsets missing from the partition (trimmed) */
    uint64_t resumed_ns;         /* a restarted rank: when it resumed */
    int32_t  pid, restarts;
} wl_rank_stat;

typedef struct wl_prod_stat {
    uint64_t produced, delivered;
    uint64_t resume_seq;         /* where the current incarnation started */
    uint64_t started_ns, first_delivery_ns;  /* of the current incarnation */
    int32_t  pid, restarts;
} wl_prod_stat;

typedef struct wl_shm {
    uint32_t magic, world;
    pthread_mutex_t mu;          /* process-shared: arrivals and rollbacks */
    /* Barrier waiters sleep on the futex word wake_seq, bumped by every
     * release, rollback and stop: a release wakes all 64 ranks at once
     * instead of handing a mutex from one to the next as a condition
     * variable would (that cost about 40 ms a step at W = 64 on 2 cores). */
    uint32_t wake_seq;
    uint64_t barrier_gen;
    uint32_t barrier_count;
    volatile uint32_t stop;      /* the orchestrator ends the run */
    /* A rank restart rolls the job back: epoch changes, every rank resumes
     * at rollback_step (the job's last checkpoint). */
    volatile uint32_t epoch;
    volatile uint64_t rollback_step;
    volatile uint64_t steps_done;   /* the job's step: steps every rank has finished */
    volatile uint64_t barriers;     /* steps completed, counting redone ones */
    volatile uint64_t first_step_ns, last_step_ns;  /* wl_now_ns of barriers 1 and last */
    uint64_t step_ns[WL_STEP_LOG_MAX];  /* completion time of barrier i+1 (mod MAX) */
    volatile uint64_t produced, delivered, produce_errors;
    volatile uint64_t producer_bytes;
    wl_rank_stat ranks[WL_RANKS_MAX];
    wl_prod_stat prods[WL_PRODUCERS_MAX];
} wl_shm;

wl_shm *wl_shm_create(const char *path, uint32_t world);
wl_shm *wl_shm_open(const char *path);
/* Wait at the step barrier: 0 when all ranks arrived, 1 if the job was
 * rolled back (s->epoch is no longer `epoch`), -1 if stopped. */
int      wl_barrier(wl_shm *s, uint32_t epoch);
/* Roll the job back to `step` (the orchestrator, after killing a rank):
 * ranks at the barrier or reading return to `step`. */
void     wl_rollback(wl_shm *s, uint64_t step);
/* Wake every barrier waiter to look at s->stop (the orchestrator, at the
 * end of a run). */
void     wl_wake_all(wl_shm *s);
/* A waiter on the run's progress (a producer ahead of the ranks): read
 * wl_wake_seq, test the condition, then wl_wait_wake with that value
 * sleeps until the next barrier, rollback or stop, or timeout_ms. */
uint32_t wl_wake_seq(wl_shm *s);
void     wl_wait_wake(wl_shm *s, uint32_t seq, long timeout_ms);

#endif
