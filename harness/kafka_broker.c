/*
 * kafka_broker.c -- a real Kafka broker for a run (kafka_broker.h): free
 * ports, scripts/kafka-server.sh start/stop, and its export lines read
 * back (KAFKA_BOOTSTRAP_SERVERS, KAFKA_BROKER_VERSION, KAFKA_BROKERS).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "kafka_broker.h"

#ifndef LS_SOURCE_DIR
#define LS_SOURCE_DIR "."
#endif

#define KB_OUT_BYTES 4096   /* what start prints on stdout */

static kafka_broker *g_running;   /* stopped by the die() cleanup */

const char *kafka_broker_script(void)
{
    const char *s = getenv("LAKESTREAM_KAFKA_SERVER");
    return s && *s ? s : LS_SOURCE_DIR "/scripts/kafka-server.sh";
}

/* 1 if nothing listens on 127.0.0.1:port (a bind would succeed). */
static int port_free(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* The first base port whose 2 * brokers ports (the script's node i takes
 * base + 2i and base + 2i + 1) are all free; 0 if none. */
static unsigned free_base(unsigned brokers)
{
    for (unsigned base = KB_PORT_FIRST; base + 2 * brokers <= KB_PORT_LAST; base += KB_PORT_STEP) {
        unsigned i = 0;
        while (i < 2 * brokers && port_free(base + i))
            i++;
        if (i == 2 * brokers)
            return base;
    }
    return 0;
}

int kafka_run_capture(char *const argv[], const char *log, char *out, size_t cap)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(p[1], 1);
        dup2(lf >= 0 ? lf : nul, 2);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(p[0], out + n, cap - 1 - n);
        if (r > 0 && n + (size_t)r < cap - 1) {
            n += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0)
            n += (size_t)r;
        break;   /* EOF, an error, or out is full (the rest is not ours to keep) */
    }
    out[n] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value of "export NAME=VALUE" in out into buf; 0, or -1 if absent
 * or too long. */
static int export_value(const char *out, const char *name, char *buf, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "export %s=", name);
    for (const char *line = out; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        size_t kl = strlen(key);
        if (len > kl && !strncmp(line, key, kl)) {
            size_t vl = len - kl;
            if (vl >= cap)
                return -1;
            memcpy(buf, line + kl, vl);
            buf[vl] = '\0';
            return 0;
        }
        line = eol ? eol + 1 : NULL;
    }
    return -1;
}

static void stop_running(void)
{
    if (g_running)
        kafka_broker_stop(g_running);
}

int kafka_broker_start(kafka_broker *kb, const char *dir, unsigned brokers, const char *log,
                       char *err, size_t cap)
{
    memset(kb, 0, sizeof *kb);
    if (brokers < 1 || brokers > KB_BROKERS_MAX) {
        snprintf(err, cap, "%u brokers: 1 to %u", brokers, KB_BROKERS_MAX);
        return -1;
    }
    if (snprintf(kb->dir, sizeof kb->dir, "%s", dir) >= (int)sizeof kb->dir) {
        snprintf(err, cap, "%s: path too long", dir);
        return -1;
    }
    const char *script = kafka_broker_script();
    if (access(script, X_OK)) {
        snprintf(err, cap, "%s: %s (set LAKESTREAM_KAFKA_SERVER to scripts/kafka-server.sh, or "
                 "give --bootstrap-servers or --kafka-mock)", script, strerror(errno));
        return -1;
    }
    if (!getenv("KAFKA_PORT")) {
        unsigned base = free_base(brokers);
        if (!base) {
            snprintf(err, cap, "no %u free ports in 127.0.0.1:%u..%u (set KAFKA_PORT)",
                     2 * brokers, KB_PORT_FIRST, KB_PORT_LAST);
            return -1;
        }
        char p[16], c[16];
        snprintf(p, sizeof p, "%u", base);
        snprintf(c, sizeof c, "%u", base + 1);
        setenv("KAFKA_PORT", p, 1);
        setenv("KAFKA_CONTROLLER_PORT", c, 1);
    }
    char nb[16], out[KB_OUT_BYTES];
    snprintf(nb, sizeof nb, "%u", brokers);
    char *argv[] = { (char *)script, "start", "--brokers", nb, kb->dir, NULL };
    static int hooked;
    if (!hooked) {
        die_atexit(stop_running);
        hooked = 1;
    }
    g_running = kb;   /* a start that fails half-way stops itself; a die() later stops it */
    kb->started = 1;
    int rc = kafka_run_capture(argv, log, out, sizeof out);
    if (rc != 0) {
        kb->started = 0;
        snprintf(err, cap, "%s start exited with %d (its messages: %s)", script, rc, log);
        return -1;
    }
    char n[16] = "";
    if (export_value(out, "KAFKA_BOOTSTRAP_SERVERS", kb->bootstrap, sizeof kb->bootstrap) ||
        export_value(out, "KAFKA_BROKER_VERSION", kb->version, sizeof kb->version) ||
        export_value(out, "KAFKA_BROKERS", n, sizeof n)) {
        kafka_broker_stop(kb);
        snprintf(err, cap, "%s start printed no export lines of KAFKA_BOOTSTRAP_SERVERS, "
                 "KAFKA_BROKER_VERSION and KAFKA_BROKERS", script);
        return -1;
    }
    kb->brokers = (unsigned)strtoul(n, NULL, 10);
    return 0;
}

void kafka_broker_stop(kafka_broker *kb)
{
    if (!kb->started)
        return;
    kb->started = 0;
    char out[KB_OUT_BYTES], log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s.stop.log", kb->dir);
    char *argv[] = { (char *)kafka_broker_script(), "stop", kb->dir, NULL };
    (void)kafka_run_capture(argv, log, out, sizeof out);
    if (g_running == kb)
        g_running = NULL;
}
