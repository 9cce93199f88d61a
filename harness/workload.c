/*
 * workload.c -- workloads: parsing, deterministic samples, the cost model
 * and the shared run state (workload.h, docs/workloads.md).
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

uint64_t wl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wl_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* ---- parsing ---- */

static int num(const char *key, const char *v, double lo, double hi, double *out, char *err,
               size_t err_size)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        snprintf(err, err_size, "%s=%s: expected a number in %g..%g", key, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int wl_load(const char *path, wl_workload *w, char *err, size_t err_size)
{
    memset(w, 0, sizeof *w);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* Defaults: a small image-text job. */
    snprintf(w->name, sizeof w->name, "unnamed");
    w->seed = 1;
    w->kind = WL_IMAGE_TEXT;
    w->image_median = 150000;
    w->image_sigma = 0.6;
    w->image_min = 4096;
    w->image_max = 4u << 20;
    w->caption_words_min = 10;
    w->caption_words_max = 60;
    w->text_min = 512;
    w->text_max = 8192;
    w->turns_min = 2;
    w->turns_max = 12;
    w->preprocess_ms_per_mb = 0;
    w->global_batch = 512;
    w->world_size = 64;
    w->step_time_ms = 500;
    w->colocated_workers = 2;
    w->producers = 2;
    w->producer_workers = 4;
    w->checkpoint_every_steps = 20;
    char line[WL_LINE_BYTES];
    int lineno = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(err, err_size, "%s:%d: line longer than %u bytes", path, lineno,
                     WL_LINE_BYTES - 2);
            rc = -1;
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        char *k = line;
        while (*k == ' ' || *k == '\t')
            k++;
        if (!*k || *k == '#')
            continue;
        char *eq = strchr(k, '=');
        if (!eq) {
            snprintf(err, err_size, "%s:%d: expected key=value", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        const char *v = eq + 1;
        char e2[256] = "";
        double x = 0;
#define NUM(key, lo, hi, dst)                                                         \
    else if (!strcmp(k, key)) {                                                       \
        if (num(key, v, lo, hi, &x, e2, sizeof e2)) rc = -1; else dst = x;            \
    }
        if (!strcmp(k, "name")) {
            if (strlen(v) >= sizeof w->name || !*v) {
                snprintf(e2, sizeof e2, "name: 1..%u bytes", WL_NAME_BYTES - 1);
                rc = -1;
            } else
                snprintf(w->name, sizeof w->name, "%s", v);
        } else if (!strcmp(k, "sample.kind")) {
            if (!strcmp(v, "image-text"))
                w->kind = WL_IMAGE_TEXT;
            else if (!strcmp(v, "conversation"))
                w->kind = WL_CONVERSATION;
            else {
                snprintf(e2, sizeof e2, "sample.kind=%s: image-text or conversation", v);
                rc = -1;
            }
        } else if (!strcmp(k, "image.bytes.dist")) {
            if (strcmp(v, "lognormal")) {
                snprintf(e2, sizeof e2, "image.bytes.dist=%s: only lognormal", v);
                rc = -1;
            }
        }
        NUM("seed", 0, 9e15, w->seed)
        NUM("image.bytes.median", 64, 64e6, w->image_median)
        NUM("image.bytes.sigma", 0, 3, w->image_sigma)
        NUM("image.bytes.min", 64, 64e6, w->image_min)
        NUM("image.bytes.max", 64, 64e6, w->image_max)
        NUM("caption.words.min", 0, 10000, w->caption_words_min)
        NUM("caption.words.max", 0, 10000, w->caption_words_max)
        NUM("text.bytes.min", 64, 64e6, w->text_min)
        NUM("text.bytes.max", 64, 64e6, w->text_max)
        NUM("turns.min", 1, 1000, w->turns_min)
        NUM("turns.max", 1, 1000, w->turns_max)
        NUM("preprocess.ms.per.mb", 0, 1e6, w->preprocess_ms_per_mb)
        NUM("preprocess.fixed.ms", 0, 1e6, w->preprocess_fixed_ms)
        NUM("global.batch", 1, 1 << 20, w->global_batch)
        NUM("world.size", 1, WL_RANKS_MAX, w->world_size)
        NUM("step.time.ms", 0, 3.6e6, w->step_time_ms)
        NUM("colocated.workers.per.rank", 1, WL_WORKERS_MAX, w->colocated_workers)
        NUM("producers", 1, WL_PRODUCERS_MAX, w->producers)
        NUM("producer.workers", 1, WL_WORKERS_MAX, w->producer_workers)
        NUM("checkpoint.every.steps", 1, 1000000, w->checkpoint_every_steps)
        else {
            snprintf(e2, sizeof e2, "unknown key \"%.64s\" (docs/workloads.md lists them)", k);
            rc = -1;
        }
#undef NUM
        if (rc)
            snprintf(err, err_size, "%s:%d: %s", path, lineno, e2);
    }
    fclose(f);
    if (!rc && (w->image_min > w->image_max || w->text_min > w->text_max ||
                w->caption_words_min > w->caption_words_max || w->turns_min > w->turns_max)) {
        snprintf(err, err_size, "%s: a min is above its max", path);
        rc = -1;
    }
    if (!rc && w->global_batch % w->world_size) {
        snprintf(err, err_size, "%s: global.batch %u is not a multiple of world.size %u", path,
                 w->global_batch, w->world_size);
        rc = -1;
    }
    return rc;
}

/* ---- samples ---- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static double unit(uint64_t *st)  /* (0, 1) */
{
    *st = mix(*st);
    return ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
}

static uint64_t range(uint64_t *st, uint64_t lo, uint64_t hi)
{
    return lo + (uint64_t)(unit(st) * (double)(hi - lo + 1));
}

size_t wl_sample_size(const wl_workload *w, uint64_t index)
{
    uint64_t st = mix(w->seed ^ mix(index));
    uint64_t body;
    if (w->kind == WL_IMAGE_TEXT) {
        double z = sqrt(-2.0 * log(unit(&st))) * cos(2.0 * M_PI * unit(&st));
        double b = w->image_median * exp(w->image_sigma * z);
        body = b < (double)w->image_min ? w->image_min
             : b > (double)w->image_max ? w->image_max : (uint64_t)b;
        body += 7 * range(&st, w->caption_words_min, w->caption_words_max);  /* caption */
    } else {
        body = range(&st, w->text_min, w->text_max);
    }
    return WL_HEADER_BYTES + (size_t)body;
}

static const char *const words[] = {
    "the", "a", "photo", "of", "cat", "dog", "on", "street", "city", "red", "car",
    "model", "data", "train", "user", "assistant", "explain", "why", "code", "step",
    "river", "mountain", "people", "sitting", "table", "with", "blue", "sky", "and",
};

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

void wl_sample_fill(const wl_workload *w, uint64_t index, uint8_t *out, size_t size)
{
    uint64_t st = mix(w->seed ^ mix(index) ^ 0x5a5a5a5a5a5a5a5aull);
    uint8_t *p = out + WL_HEADER_BYTES, *end = out + size;
    if (w->kind == WL_IMAGE_TEXT) {
        /* Image bytes are incompressible, as JPEG is; then the caption. */
        size_t nwords = 0;
        while (end - p > 0) {
            size_t left = (size_t)(end - p);
            if (left > 4096 || nwords > 0) {
                st = mix(st);
                size_t k = left < 8 ? left : 8;
                memcpy(p, &st, k);
                p += k;
            } else {
                const char *wd = words[mix(st + nwords++) % (sizeof words / sizeof *words)];
                size_t k = strlen(wd) + 1;
                if (k > left)
                    k = left;
                memcpy(p, wd, k - 1);
                p[k - 1] = ' ';
                p += k;
            }
        }
    } else {
        /* Text turns: "user: ...\nassistant: ...". */
        size_t i = 0;
        while (p < end) {
            const char *wd = (i % 40 == 0) ? ((i / 40) % 2 ? "\nassistant:" : "\nuser:")
                                           : words[mix(st + i) % (sizeof words / sizeof *words)];
            size_t k = strlen(wd) + 1, left = (size_t)(end - p);
            if (k > left)
                k = left;
            memcpy(p, wd, k - 1 < left ? k - 1 : left);
            p[k - 1] = ' ';
            p += k;
            i++;
        }
    }
    put_u32(out, WL_SAMPLE_MAGIC);
    put_u64(out + 4, index);
    put_u32(out + 12, (uint32_t)size);
    put_u32(out + 16, (uint32_t)crc32(0, out + WL_HEADER_BYTES, (uInt)(size - WL_HEADER_BYTES)));
    put_u32(out + 20, 0);
}

int wl_sample_check(const uint8_t *buf, size_t len, uint64_t *index)
{
    uint32_t magic, size, crc;
    if (len < WL_HEADER_BYTES)
        return -1;
    memcpy(&magic, buf, 4);
    memcpy(index, buf + 4, 8);
    memcpy(&size, buf + 12, 4);
    memcpy(&crc, buf + 16, 4);
    if (magic != WL_SAMPLE_MAGIC || size != len)
        return -1;
    return crc == (uint32_t)crc32(0, buf + WL_HEADER_BYTES, (uInt)(len - WL_HEADER_BYTES)) ? 0
                                                                                          : -1;
}

double wl_cost_ms(const wl_workload *w, size_t size)
{
    return w->preprocess_fixed_ms + w->preprocess_ms_per_mb * (double)size / 1e6;
}

uint32_t wl_preprocess(const wl_workload *w, const uint8_t *buf, size_t len)
{
    uint64_t t0 = wl_now_ns();
    uint32_t c = (uint32_t)crc32(0, buf, (uInt)len);  /* the real pass */
    uint64_t cost = (uint64_t)(wl_cost_ms(w, len) * 1e6), spent = wl_now_ns() - t0;
    if (cost > spent)
        wl_sleep_ns(cost - spent);
    return c;
}

/* ---- shared state ---- */

wl_shm *wl_shm_create(const char *path, uint32_t world)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, sizeof(wl_shm))) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    wl_shm *s = mmap(NULL, sizeof(wl_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (s == MAP_FAILED)
        return NULL;
    memset(s, 0, sizeof *s);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s->mu, &ma);
    s->world = world;
    s->magic = WL_SHM_MAGIC;
    return s;
}

wl_shm *wl_shm_open(const char *path)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return NULL;
    wl_shm *s = mmap(NULL, sizeof(wl_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (s == MAP_FAILED || s->magic != WL_SHM_MAGIC)
        return NULL;
    return s;
}

static void lock(wl_shm *s)
{
    if (pthread_mutex_lock(&s->mu) == EOWNERDEAD)
        pthread_mutex_consistent(&s->mu);  /* a killed rank held it */
}

/* Bump the futex word and wake every waiter (the bump first, so a waiter
 * that has not slept yet sees the new value and does not). */
static void wake_all(wl_shm *s)
{
    __atomic_add_fetch(&s->wake_seq, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &s->wake_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void wl_wake_all(wl_shm *s)
{
    wake_all(s);
}

uint32_t wl_wake_seq(wl_shm *s)
{
    return __atomic_load_n(&s->wake_seq, __ATOMIC_SEQ_CST);
}

void wl_wait_wake(wl_shm *s, uint32_t seq, long timeout_ms)
{
    struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
    syscall(SYS_futex, &s->wake_seq, FUTEX_WAIT, seq, &ts, NULL, 0);
}

int wl_barrier(wl_shm *s, uint32_t epoch)
{
    lock(s);
    if (s->epoch != epoch) {
        pthread_mutex_unlock(&s->mu);
        return 1;
    }
    uint64_t gen = s->barrier_gen;
    if (++s->barrier_count == s->world) {
        s->barrier_count = 0;
        s->steps_done++;
        s->last_step_ns = wl_now_ns();  /* CLOCK_MONOTONIC: one clock for all processes */
        s->step_ns[s->barriers % WL_STEP_LOG_MAX] = s->last_step_ns;
        if (++s->barriers == 1)
            s->first_step_ns = s->last_step_ns;
        __atomic_store_n(&s->barrier_gen, gen + 1, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&s->mu);
        wake_all(s);
        return 0;
    }
    uint32_t seq = __atomic_load_n(&s->wake_seq, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&s->mu);
    for (;;) {
        uint32_t e = __atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST);
        if (e != epoch)
            return 1;
        if (__atomic_load_n(&s->barrier_gen, __ATOMIC_SEQ_CST) != gen)
            return 0;
        if (s->stop)
            return -1;
        /* Bounded, so that a lost wake-up costs 50 ms, not the run. */
        wl_wait_wake(s, seq, 50);
        seq = wl_wake_seq(s);
    }
}

void wl_rollback(wl_shm *s, uint64_t step)
{
    lock(s);
    s->rollback_step = step;
    s->steps_done = step;
    s->barrier_count = 0;    /* the dead rank may have been counted */
    __atomic_add_fetch(&s->barrier_gen, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->epoch, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&s->mu);
    wake_all(s);
}
