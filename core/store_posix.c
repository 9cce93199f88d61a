/*
 * store_posix.c -- the object store as a directory tree: key "a/b/c" is
 * the file <root>/a/b/c.  Writes go to a ".tmp.<16 hex>" file beside the
 * target, then rename() (put) or link() (put_if_absent: the filesystem
 * refuses an existing name, even across hosts on NFS).  Paths resolve
 * against a root descriptor opened once; the handle has no mutable state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ls_int.h"

#define TMP_PREFIX ".tmp."
#define TMP_NAME_BYTES (sizeof(TMP_PREFIX) - 1 + 16)
#define TMP_CREATE_TRIES 8

typedef struct posix_store {
    int   rootfd;      /* O_DIRECTORY descriptor of the root; immutable */
    int   fsync_on;    /* fsync files and directories before returning */
    char *root;        /* as given, for messages */
} posix_store;

/* Map errno of a failed write-side call.  A key whose path runs into a
 * file where a directory is needed (or the reverse) is a permanent
 * conflict with another key on this backend, not a transient fault. */
static int write_err(int e)
{
    switch (e) {
    case ENOTDIR: case EISDIR: return LS_ERR_INVALID;
    case ENAMETOOLONG:         return LS_ERR_LIMIT;
    case ENOMEM:               return LS_ERR_NOMEM;
    default:                   return LS_ERR_IO;
    }
}

static int fail(int err, const char *op, const char *key, int e)
{
    return ls_seterr(err, "posix: %s %s: %s", op, key, strerror(e));
}

/* Length of the directory part of key including its final '/', 0 if the
 * key lies in the root. */
static size_t dir_len(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? (size_t)(slash - key) + 1 : 0;
}

/* fsync the directory holding key (its first dlen bytes). */
static int fsync_dir(posix_store *ps, const char *key, size_t dlen)
{
    if (dlen == 0)
        return fsync(ps->rootfd) == 0 ? 0 : errno;
    char dir[LS_KEY_BYTES_MAX + 1];
    memcpy(dir, key, dlen);
    dir[dlen] = '\0';
    int fd = openat(ps->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e;
}

/* mkdir -p of the directories of key.  Directories are never removed, so
 * one that exists stays.  With fsync on, each new directory's entry is
 * made durable in its parent. */
static int make_parents(posix_store *ps, const char *key)
{
    char dir[LS_KEY_BYTES_MAX + 1];
    for (const char *s = strchr(key, '/'); s; s = strchr(s + 1, '/')) {
        size_t n = (size_t)(s - key);
        memcpy(dir, key, n);
        dir[n] = '\0';
        if (mkdirat(ps->rootfd, dir, 0777) != 0) {
            if (errno == EEXIST)
                continue;
            return errno;
        }
        if (ps->fsync_on) {
            int e = fsync_dir(ps, dir, dir_len(dir));
            if (e)
                return e;
        }
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write buf to a fresh temporary file in key's directory (created if
 * missing) and make it durable if fsync is on.  On success tmp holds its
 * name relative to the root and *fdp the open descriptor.  Returns an
 * errno value. */
static int write_temp(posix_store *ps, const char *key, const void *buf,
                      size_t len, char *tmp, int *fdp)
{
    size_t dlen = dir_len(key);
    int fd = -1, made_parents = 0;
    memcpy(tmp, key, dlen);
    for (int tries = 0; fd < 0; tries++) {
        uint8_t rnd[8];
        if (ls_random_bytes(rnd, sizeof(rnd)) != LS_OK)
            return EIO;
        char *t = tmp + dlen;
        memcpy(t, TMP_PREFIX, sizeof(TMP_PREFIX) - 1);
        t += sizeof(TMP_PREFIX) - 1;
        for (size_t i = 0; i < sizeof(rnd); i++)
            t += sprintf(t, "%02x", rnd[i]);
        fd = openat(ps->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0)
            break;
        int e = errno;
        if (e == ENOENT && !made_parents) {
            made_parents = 1;
            if ((e = make_parents(ps, key)) != 0)
                return e;
        } else if (e != EEXIST && e != EINTR) {
            return e;
        }
        if (tries >= TMP_CREATE_TRIES)
            return e;
    }
    int e = write_all(fd, buf, len);
    if (!e && ps->fsync_on && fsync(fd) != 0)
        e = errno;
    if (e) {
        close(fd);
        unlinkat(ps->rootfd, tmp, 0);
        return e;
    }
    *fdp = fd;
    return 0;
}

static int posix_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    posix_store *ps = st->impl;
    char tmp[LS_KEY_BYTES_MAX + TMP_NAME_BYTES + 1];
    int fd, e = write_temp(ps, key, buf, len, tmp, &fd);
    if (e)
        return fail(write_err(e), "put", key, e);
    /* close() can report a deferred write error (NFS). */
    if (close(fd) != 0) {
        e = errno;
        unlinkat(ps->rootfd, tmp, 0);
        return fail(LS_ERR_IO, "put", key, e);
    }
    if (renameat(ps->rootfd, tmp, ps->rootfd, key) != 0) {
        e = errno;
        unlinkat(ps->rootfd, tmp, 0);
        return fail(write_err(e), "put", key, e);
    }
    if (ps->fsync_on && (e = fsync_dir(ps, key, dir_len(key))) != 0)
        return fail(LS_ERR_IO, "put", key, e);
    return LS_OK;
}

static int posix_put_if_absent(ls_store *st, const char *key, const void *buf,
                               size_t len)
{
    posix_store *ps = st->impl;
    char tmp[LS_KEY_BYTES_MAX + TMP_NAME_BYTES + 1];
    struct stat sb;
    /* A key that is already there loses without writing (and, with fsync
     * on, syncing) a temporary file first; link() below still decides
     * every race this check does not see. */
    if (fstatat(ps->rootfd, key, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(sb.st_mode))
            return fail(LS_ERR_INVALID, "put_if_absent", key, EISDIR);
        return ls_seterr(LS_ERR_EXISTS, "posix: put_if_absent %s: exists", key);
    }
    int fd, e = write_temp(ps, key, buf, len, tmp, &fd);
    if (e)
        return fail(write_err(e), "put_if_absent", key, e);
    int rc = LS_OK;
    if (linkat(ps->rootfd, tmp, ps->rootfd, key, 0) != 0) {
        e = errno;
        if (e == EEXIST && fstat(fd, &sb) == 0 && sb.st_nlink == 2) {
            /* NFS retransmits a LINK whose reply was lost and the retry
             * answers EEXIST: the link count of our temporary file tells
             * that the first one was done (open(2), O_EXCL). */
            rc = LS_OK;
        } else if (e == EEXIST) {
            /* A directory of that name is a conflict, not an object. */
            if (fstatat(ps->rootfd, key, &sb, 0) == 0 && S_ISDIR(sb.st_mode))
                rc = fail(LS_ERR_INVALID, "put_if_absent", key, EISDIR);
            else
                rc = ls_seterr(LS_ERR_EXISTS, "posix: put_if_absent %s: exists", key);
        } else if (fstat(fd, &sb) == 0 && sb.st_nlink == 2) {
            /* NFS may lose the reply to a link() that was done; the link
             * count of the temporary file tells (see open(2), O_EXCL). */
            rc = LS_OK;
        } else {
            rc = fail(write_err(e), "put_if_absent", key, e);
        }
    }
    /* The outcome of link() is already visible to everyone; a late close
     * error cannot undo it (and with fsync on the data was synced first). */
    close(fd);
    unlinkat(ps->rootfd, tmp, 0);
    if (rc == LS_OK && ps->fsync_on && (e = fsync_dir(ps, key, dir_len(key))) != 0)
        return fail(LS_ERR_IO, "put_if_absent", key, e);
    return rc;
}

static int posix_get(ls_store *st, const char *key, uint64_t off, uint64_t len,
                     uint8_t **out, size_t *out_len)
{
    posix_store *ps = st->impl;
    int fd = openat(ps->rootfd, key, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return fail(LS_ERR_NOT_FOUND, "get", key, e);
        return fail(e == ENAMETOOLONG ? LS_ERR_LIMIT : LS_ERR_IO, "get", key, e);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return fail(LS_ERR_IO, "get", key, e);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return fail(LS_ERR_NOT_FOUND, "get", key, EISDIR);
    }
    uint64_t size = (uint64_t)sb.st_size;
    uint64_t n = off >= size ? 0 : size - off;
    if (len < n)
        n = len;
    if (n > SIZE_MAX - 1) {
        close(fd);
        return ls_seterr(LS_ERR_NOMEM, "posix: get %s: %llu bytes", key,
                         (unsigned long long)n);
    }
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
        close(fd);
        return ls_seterr(LS_ERR_NOMEM, "posix: get %s: cannot allocate %llu bytes",
                         key, (unsigned long long)n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, (size_t)n - got, (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return fail(LS_ERR_IO, "get", key, e);
        }
        if (r == 0)
            break;      /* objects are immutable; a shorter file is cut short */
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *out_len = got;
    return LS_OK;
}

static int posix_head(ls_store *st, const char *key, uint64_t *size)
{
    posix_store *ps = st->impl;
    struct stat sb;
    if (fstatat(ps->rootfd, key, &sb, 0) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return fail(LS_ERR_NOT_FOUND, "head", key, e);
        return fail(e == ENAMETOOLONG ? LS_ERR_LIMIT : LS_ERR_IO, "head", key, e);
    }
    if (!S_ISREG(sb.st_mode))
        return fail(LS_ERR_NOT_FOUND, "head", key, EISDIR);
    *size = (uint64_t)sb.st_size;
    return LS_OK;
}

/* ---- list -------------------------------------------------------------- */

/* list walks the tree depth first, visiting the entries of each directory
 * sorted by name with a '/' appended to directories.  Every key below
 * directory "d/" starts with "d/", so this visits keys in exactly strcmp
 * order and the walk can stop after max keys.  Subtrees that cannot hold a
 * key with the prefix, or a key after start_after, are skipped. */
typedef struct walk {
    posix_store *ps;
    const char  *prefix, *after;
    size_t       plen, max, cap;
    ls_keylist  *out;
    char         path[LS_KEY_BYTES_MAX + 2];   /* directory being walked */
} walk;

#define WALK_DONE 1   /* max keys collected: stop */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Read the entries of directory w->path[0..dlen) into a sorted array of
 * names, "/" appended to directories.  A missing directory has none. */
static int read_dir(walk *w, size_t dlen, char ***namesp, size_t *np)
{
    *namesp = NULL;
    *np = 0;
    w->path[dlen] = '\0';
    int fd = openat(w->ps->rootfd, dlen ? w->path : ".",
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return LS_OK;
        return fail(LS_ERR_IO, "list", dlen ? w->path : w->ps->root, errno);
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return fail(LS_ERR_IO, "list", w->prefix, e);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = LS_OK;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno)
                rc = fail(LS_ERR_IO, "list", w->prefix, errno);
            break;
        }
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") ||
            !strncmp(nm, TMP_PREFIX, sizeof(TMP_PREFIX) - 1))
            continue;
        int is_dir;
        if (de->d_type == DT_DIR || de->d_type == DT_REG) {
            is_dir = de->d_type == DT_DIR;
        } else {
            struct stat sb;
            if (fstatat(fd, nm, &sb, 0) != 0)
                continue;   /* vanished, or a dangling link */
            if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
                continue;
            is_dir = S_ISDIR(sb.st_mode);
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof(*names));
            if (!nn) {
                rc = ls_seterr(LS_ERR_NOMEM, "posix: list %s: out of memory", w->prefix);
                break;
            }
            names = nn;
            cap = ncap;
        }
        size_t len = strlen(nm);
        char *s = malloc(len + 2);
        if (!s) {
            rc = ls_seterr(LS_ERR_NOMEM, "posix: list %s: out of memory", w->prefix);
            break;
        }
        memcpy(s, nm, len);
        s[len] = is_dir ? '/' : '\0';
        s[len + 1] = '\0';
        names[n++] = s;
    }
    closedir(d);
    if (rc) {
        free_names(names, n);
        return rc;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    *namesp = names;
    *np = n;
    return LS_OK;
}

static int add_key(walk *w, const char *key)
{
    ls_keylist *out = w->out;
    if (out->n == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        if (ncap > w->max)
            ncap = w->max;
        char **nk = realloc(out->keys, ncap * sizeof(*nk));
        if (!nk)
            return ls_seterr(LS_ERR_NOMEM, "posix: list %s: out of memory", w->prefix);
        out->keys = nk;
        w->cap = ncap;
    }
    char *k = strdup(key);
    if (!k)
        return ls_seterr(LS_ERR_NOMEM, "posix: list %s: out of memory", w->prefix);
    out->keys[out->n++] = k;
    return out->n == w->max ? WALK_DONE : LS_OK;
}

static int walk_dir(walk *w, size_t dlen)
{
    char **names;
    size_t n;
    int rc = read_dir(w, dlen, &names, &n);
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        size_t len = strlen(names[i]);
        if (dlen + len > LS_KEY_BYTES_MAX)
            continue;   /* no valid key can live there */
        memcpy(w->path + dlen, names[i], len + 1);
        size_t plen = dlen + len;
        int is_dir = w->path[plen - 1] == '/';
        /* The prefix and this path must agree on their common part. */
        size_t common = plen < w->plen ? plen : w->plen;
        if (strncmp(w->path, w->prefix, common) != 0)
            continue;
        if (is_dir) {
            w->path[plen - 1] = '\0';
            int ok = ls_key_is_valid(w->path);
            w->path[plen - 1] = '/';
            /* Every key below starts with path: all are <= after when
             * after already differs from path and sorts higher. */
            if (!ok || (w->after && strncmp(w->after, w->path, plen) > 0))
                continue;
            rc = walk_dir(w, plen);
        } else {
            if (plen < w->plen || !ls_key_is_valid(w->path))
                continue;
            if (w->after && strcmp(w->path, w->after) <= 0)
                continue;
            rc = add_key(w, w->path);
        }
    }
    free_names(names, n);
    return rc;
}

static int posix_list(ls_store *st, const char *prefix, const char *start_after,
                      size_t max, ls_keylist *out)
{
    walk w = { .ps = st->impl, .prefix = prefix, .after = start_after,
               .plen = strlen(prefix), .max = max, .out = out };
    size_t dlen = dir_len(prefix);
    memcpy(w.path, prefix, dlen);
    int rc = walk_dir(&w, dlen);
    if (rc == WALK_DONE)
        rc = LS_OK;
    if (rc)
        ls_keylist_free(out);
    return rc;
}

static int posix_del(ls_store *st, const char *key)
{
    posix_store *ps = st->impl;
    if (unlinkat(ps->rootfd, key, 0) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return LS_OK;
        struct stat sb;
        /* A directory is no object: there is nothing to delete. */
        if ((e == EISDIR || e == EPERM) &&
            fstatat(ps->rootfd, key, &sb, 0) == 0 && S_ISDIR(sb.st_mode))
            return LS_OK;
        return fail(write_err(e), "delete", key, e);
    }
    int e;
    if (ps->fsync_on && (e = fsync_dir(ps, key, dir_len(key))) != 0)
        return fail(LS_ERR_IO, "delete", key, e);
    return LS_OK;
}

static void posix_close(ls_store *st)
{
    posix_store *ps = st->impl;
    close(ps->rootfd);
    free(ps->root);
    free(ps);
    free(st);
}

/* mkdir -p root; errors surface when the root is opened. */
static void make_root(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0777);
        *s = '/';
    }
    mkdir(path, 0777);
}

int ls_store_posix_new(const char *root_dir, int fsync_on, ls_store **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "posix: NULL output");
    *out = NULL;
    if (!root_dir || !*root_dir)
        return ls_seterr(LS_ERR_INVALID, "posix: empty root directory");
    ls_store *st = calloc(1, sizeof(*st));
    posix_store *ps = calloc(1, sizeof(*ps));
    char *root = strdup(root_dir);
    if (!st || !ps || !root) {
        free(st); free(ps); free(root);
        return ls_seterr(LS_ERR_NOMEM, "posix: out of memory");
    }
    make_root(root);
    ps->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ps->rootfd < 0) {
        int e = errno;
        free(st); free(ps); free(root);
        return ls_seterr(e == ENOENT || e == ENOTDIR ? LS_ERR_INVALID : LS_ERR_IO,
                         "posix: open root %s: %s", root_dir, strerror(e));
    }
    ps->fsync_on = fsync_on != 0;
    ps->root = root;
    st->name = "posix";
    st->put = posix_put;
    st->put_if_absent = posix_put_if_absent;
    st->get = posix_get;
    st->head = posix_head;
    st->list = posix_list;
    st->del = posix_del;
    st->close = posix_close;
    st->impl = ps;
    *out = st;
    return LS_OK;
}
