/*
 * netfault.c -- lakestream-netfault: a fault-injecting TCP proxy for
 * network soaks, placed between the S3 client and its server
 * (docs/soak.md).  One thread, poll(2), one upstream connection per client
 * connection, bytes passed through unchanged (so TLS passes too).
 *
 * It knows just enough of HTTP/1.1 to find exchange boundaries on a
 * keep-alive connection: client bytes after the last response bytes begin
 * a request, upstream bytes after the last request bytes begin a response
 * (the S3 client never pipelines).  Each boundary draws, from one seeded
 * generator, one fault or none:
 *
 *   at a request:   reset  the client's connection is reset (RST) before a
 *                          byte reaches the server: the request never ran
 *                   delay  its bytes wait up to --delay-ms before going on
 *   at a response:  drop   the server answered (the write took effect), but
 *                          the client's connection is reset and the answer
 *                          thrown away: a lost reply
 *                   delay  the answer waits up to --delay-ms
 *
 * --stats FILE gets a JSON count of connections, exchanges and each fault
 * fired when the proxy ends (SIGTERM or SIGINT).  A given seed replays the
 * same draws for the same sequence of boundaries; timing across concurrent
 * connections is not reproduced.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "lakestream-netfault"
#define CONNS_MAX 256                 /* client connections at once */
#define BUF_BYTES (64u << 10)          /* per direction, per connection */
#define DELAY_MS_MAX 60000u

typedef struct pipe_buf {
    char data[BUF_BYTES];
    size_t len, off;                  /* pending bytes: data[off, len) */
    int eof;                          /* the sender shut its side */
} pipe_buf;

typedef struct conn {
    int cfd, ufd;                     /* client, upstream; -1 once closed */
    int connected;                    /* upstream connect finished */
    int phase;                        /* 0 idle/response seen, 1 request seen */
    uint64_t hold_until_ns;           /* a delayed direction waits until then */
    int hold_dir;                     /* 0 none, 1 request, 2 response */
    pipe_buf up, down;                /* client->upstream, upstream->client */
} conn;

typedef struct stats {
    uint64_t connections, refused_over_limit, upstream_failures;
    uint64_t requests, responses, bytes_up, bytes_down;
    uint64_t resets, drops, delays_request, delays_response;
} stats;

static volatile sig_atomic_t stop_flag;
static uint64_t rng_state;
static stats st;

static void on_signal(int sig) { (void)sig; stop_flag = 1; }

/* splitmix64: small, seedable, good enough for fault draws. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: " PROG " --upstream HOST:PORT [options]\n"
        "  --listen PORT      port on 127.0.0.1 (default 0: any; see --port-file)\n"
        "  --port-file FILE   write the port listened on to FILE\n"
        "  --seed N           seed of the fault draws (default 1)\n"
        "  --reset P          probability a request's connection is reset before\n"
        "                     it reaches the server (default 0)\n"
        "  --drop P           probability a response is dropped after the server\n"
        "                     sent it, resetting the client's connection (default 0)\n"
        "  --delay P          probability a request or response is held back\n"
        "                     (default 0)\n"
        "  --delay-ms MS      longest hold, drawn uniformly (default 200)\n"
        "  --stats FILE       JSON fault counts written on SIGTERM/SIGINT\n");
}

static int parse_prob(const char *opt, const char *s, double *p)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0)) {
        fprintf(stderr, PROG ": %s: expected a probability in [0, 1]\n", opt);
        return -1;
    }
    *p = v;
    return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || x > max) {
        fprintf(stderr, PROG ": %s: expected an integer in [0, %" PRIu64 "]\n", opt, max);
        return -1;
    }
    *v = x;
    return 0;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* Close with RST: the peer sees "connection reset", as after a crash. */
static void close_reset(int fd)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static void conn_close(conn *c, int reset)
{
    if (c->cfd >= 0) {
        if (reset)
            close_reset(c->cfd);
        else
            close(c->cfd);
    }
    if (c->ufd >= 0)
        close_reset(c->ufd);
    c->cfd = c->ufd = -1;
}

static int upstream_connect(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    set_nonblock(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read into b from fd.  Returns bytes read, 0 on EOF (b->eof set), -1 on
 * error, -2 if nothing is ready. */
static ssize_t fill(pipe_buf *b, int fd)
{
    if (b->off == b->len)
        b->off = b->len = 0;
    if (b->len == sizeof(b->data))
        return -2;
    ssize_t n = read(fd, b->data + b->len, sizeof(b->data) - b->len);
    if (n > 0)
        b->len += (size_t)n;
    else if (n == 0)
        b->eof = 1;
    else if (errno == EAGAIN || errno == EINTR)
        return -2;
    return n;
}

/* Write pending bytes of b to fd.  Returns 0, or -1 on a write error. */
static int drain(pipe_buf *b, int fd, uint64_t *counter)
{
    while (b->off < b->len) {
        ssize_t n = write(fd, b->data + b->off, b->len - b->off);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        b->off += (size_t)n;
        *counter += (uint64_t)n;
    }
    return 0;
}

static void write_stats(const char *path, uint64_t seed, double reset_p, double drop_p,
                        double delay_p, uint64_t delay_ms)
{
    if (!path)
        return;
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
        return;
    }
    fprintf(f,
            "{\"seed\": %" PRIu64 ", \"reset_p\": %g, \"drop_p\": %g, \"delay_p\": %g, "
            "\"delay_ms\": %" PRIu64 ",\n"
            " \"connections\": %" PRIu64 ", \"refused_over_limit\": %" PRIu64
            ", \"upstream_failures\": %" PRIu64 ",\n"
            " \"requests\": %" PRIu64 ", \"responses\": %" PRIu64 ", \"bytes_up\": %" PRIu64
            ", \"bytes_down\": %" PRIu64 ",\n"
            " \"resets\": %" PRIu64 ", \"drops\": %" PRIu64 ", \"delays_request\": %" PRIu64
            ", \"delays_response\": %" PRIu64 "}\n",
            seed, reset_p, drop_p, delay_p, delay_ms, st.connections, st.refused_over_limit,
            st.upstream_failures, st.requests, st.responses, st.bytes_up, st.bytes_down,
            st.resets, st.drops, st.delays_request, st.delays_response);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
}

int main(int argc, char **argv)
{
    const char *upstream = NULL, *port_file = NULL, *stats_file = NULL;
    uint64_t listen_port = 0, seed = 1, delay_ms = 200;
    double reset_p = 0, drop_p = 0, delay_p = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, PROG ": %s: unknown option or missing value\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        int bad = 0;
        if (!strcmp(a, "--upstream")) upstream = v;
        else if (!strcmp(a, "--port-file")) port_file = v;
        else if (!strcmp(a, "--stats")) stats_file = v;
        else if (!strcmp(a, "--listen")) bad = parse_u64(a, v, 65535, &listen_port);
        else if (!strcmp(a, "--seed")) bad = parse_u64(a, v, UINT64_MAX, &seed);
        else if (!strcmp(a, "--delay-ms")) bad = parse_u64(a, v, DELAY_MS_MAX, &delay_ms);
        else if (!strcmp(a, "--reset")) bad = parse_prob(a, v, &reset_p);
        else if (!strcmp(a, "--drop")) bad = parse_prob(a, v, &drop_p);
        else if (!strcmp(a, "--delay")) bad = parse_prob(a, v, &delay_p);
        else {
            fprintf(stderr, PROG ": %s: unknown option\n", a);
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (!upstream) {
        fprintf(stderr, PROG ": --upstream HOST:PORT is required\n");
        return 2;
    }
    char host[256];
    const char *colon = strrchr(upstream, ':');
    if (!colon || colon == upstream || (size_t)(colon - upstream) >= sizeof(host) || !colon[1]) {
        fprintf(stderr, PROG ": --upstream: expected HOST:PORT\n");
        return 2;
    }
    memcpy(host, upstream, (size_t)(colon - upstream));
    host[colon - upstream] = 0;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai) {
        fprintf(stderr, PROG ": --upstream %s: %s\n", upstream, gai_strerror(gai));
        return 2;
    }
    rng_state = seed;

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof(sa);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        fprintf(stderr, PROG ": listen on 127.0.0.1:%" PRIu64 ": %s\n", listen_port,
                strerror(errno));
        return 1;
    }
    set_nonblock(lfd);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (!f || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0) {
            fprintf(stderr, PROG ": %s: %s\n", port_file, strerror(errno));
            return 1;
        }
    }
    struct sigaction act = { .sa_handler = on_signal };
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);

    static conn conns[CONNS_MAX];
    for (int i = 0; i < CONNS_MAX; i++)
        conns[i].cfd = conns[i].ufd = -1;
    static struct pollfd pfd[1 + 2 * CONNS_MAX];

    while (!stop_flag) {
        uint64_t now = now_ns();
        int timeout_ms = -1, n = 0;
        pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        for (int i = 0; i < CONNS_MAX; i++) {
            conn *c = &conns[i];
            short ce = 0, ue = 0;
            if (c->cfd < 0)
                continue;
            int held = c->hold_dir && now < c->hold_until_ns;
            if (held) {
                uint64_t ms = (c->hold_until_ns - now) / 1000000u + 1;
                if (timeout_ms < 0 || ms < (uint64_t)timeout_ms)
                    timeout_ms = (int)ms;
            }
            if (!c->up.eof && c->up.len < sizeof(c->up.data))
                ce |= POLLIN;
            if (c->down.off < c->down.len && !(held && c->hold_dir == 2))
                ce |= POLLOUT;
            if (!c->connected)
                ue |= POLLOUT;
            else {
                if (!c->down.eof && c->down.len < sizeof(c->down.data))
                    ue |= POLLIN;
                if (c->up.off < c->up.len && !(held && c->hold_dir == 1))
                    ue |= POLLOUT;
            }
            pfd[n++] = (struct pollfd){ .fd = c->cfd, .events = ce };
            pfd[n++] = (struct pollfd){ .fd = c->ufd, .events = ue };
        }
        int pr = poll(pfd, (nfds_t)n, timeout_ms);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
            break;
        }
        if (pfd[0].revents & POLLIN) {
            for (;;) {
                int cfd = accept(lfd, NULL, NULL);
                if (cfd < 0)
                    break;
                int slot = -1;
                for (int i = 0; i < CONNS_MAX && slot < 0; i++)
                    if (conns[i].cfd < 0)
                        slot = i;
                int ufd = slot < 0 ? -1 : upstream_connect(ai);
                if (slot < 0 || ufd < 0) {
                    if (slot < 0)
                        st.refused_over_limit++;
                    else
                        st.upstream_failures++;
                    close_reset(cfd);
                    continue;
                }
                set_nonblock(cfd);
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                conn *c = &conns[slot];
                memset(c, 0, sizeof(*c));
                c->cfd = cfd;
                c->ufd = ufd;
                st.connections++;
            }
        }
        /* Walk the descriptors in the order they were added. */
        now = now_ns();
        for (int i = 0, k = 1; i < CONNS_MAX; i++) {
            conn *c = &conns[i];
            if (c->cfd < 0)
                continue;
            short cr = pfd[k].revents, ur = pfd[k + 1].revents;
            k += 2;
            if (c->hold_dir && now >= c->hold_until_ns)
                c->hold_dir = 0;
            if (!c->connected && (ur & (POLLOUT | POLLERR | POLLHUP))) {
                int err = 0;
                socklen_t el = sizeof(err);
                getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    st.upstream_failures++;
                    conn_close(c, 1);
                    continue;
                }
                c->connected = 1;
            }
            if (cr & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t r = fill(&c->up, c->cfd);
                if (r == -1) {
                    conn_close(c, 1);
                    continue;
                }
                if (r > 0 && c->phase == 0) {
                    /* A request begins. */
                    c->phase = 1;
                    st.requests++;
                    double u = rng_unit();
                    if (u < reset_p) {
                        st.resets++;
                        conn_close(c, 1);
                        continue;
                    }
                    if (u < reset_p + delay_p && delay_ms > 0) {
                        st.delays_request++;
                        c->hold_dir = 1;
                        c->hold_until_ns = now + (rng_next() % (delay_ms + 1)) * 1000000u;
                    }
                }
            }
            if (c->connected && (ur & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t r = fill(&c->down, c->ufd);
                if (r == -1) {
                    conn_close(c, 1);
                    continue;
                }
                if (r > 0 && c->phase == 1) {
                    /* A response begins: the server has acted. */
                    c->phase = 0;
                    st.responses++;
                    double u = rng_unit();
                    if (u < drop_p) {
                        st.drops++;
                        conn_close(c, 1);
                        continue;
                    }
                    if (u < drop_p + delay_p && delay_ms > 0) {
                        st.delays_response++;
                        c->hold_dir = 2;
                        c->hold_until_ns = now + (rng_next() % (delay_ms + 1)) * 1000000u;
                    }
                }
            }
            int held = c->hold_dir != 0;
            if (c->connected && !(held && c->hold_dir == 1) && drain(&c->up, c->ufd, &st.bytes_up)) {
                conn_close(c, 1);
                continue;
            }
            if (!(held && c->hold_dir == 2) && drain(&c->down, c->cfd, &st.bytes_down)) {
                conn_close(c, 1);
                continue;
            }
            /* A side that ended and whose bytes are all passed on ends the
             * connection (HTTP clients and servers close whole connections). */
            if ((c->up.eof && c->up.off == c->up.len) || (c->down.eof && c->down.off == c->down.len))
                conn_close(c, 0);
        }
    }
    write_stats(stats_file, seed, reset_p, drop_p, delay_p, delay_ms);
    freeaddrinfo(ai);
    return 0;
}
