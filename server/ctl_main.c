/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl: rabbitmqctl's command line for Warren. It checks the arguments with the broker's
 * own command table (so usage errors need no broker), sends argv over the control socket
 * (protocol in server/ctl.h) and prints the broker's stdout/stderr with its exit code.
 * The socket: -n PATH when the node name contains '/', else $WARREN_CTL_SOCKET, else
 * ./data/warren.sock. */
#include "server/ctl.h"

#include <errno.h>
#include <event2/buffer.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct wr_ctl_client_opts {
    const char *node;   /* as given with -n, for messages */
    const char *socket; /* the path */
    double timeout_s;   /* await_startup: how long to wait for the socket */
    bool await;
};

static void
wr_ctl_client_opts(int argc, char **argv, struct wr_ctl_client_opts *o)
{
    const char *env = getenv("WARREN_CTL_SOCKET");

    o->node = NULL;
    o->socket = env && *env ? env : "./data/warren.sock";
    o->timeout_s = 300; /* rabbitmqctl await_startup's default */
    o->await = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--node=", 7) == 0)
            o->node = a + 7;
        else if ((strcmp(a, "-n") == 0 || strcmp(a, "--node") == 0) && v)
            o->node = v;
        else if ((strcmp(a, "-t") == 0 || strcmp(a, "--timeout") == 0) && v)
            o->timeout_s = atof(v);
        else if (strcmp(a, "await_startup") == 0)
            o->await = true;
    }
    if (o->node != NULL && strchr(o->node, '/') != NULL)
        o->socket = o->node;
}

static int
wr_ctl_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void
wr_ctl_u32(struct evbuffer *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    evbuffer_add(b, x, 4);
}

/* Length-prefixed argv; -1 when it is over the broker's limit. */
static int
wr_ctl_send(int fd, int argc, char **argv)
{
    struct evbuffer *body = evbuffer_new(), *msg = evbuffer_new();
    int rc = -1;

    for (int i = 1; i < argc; i++) {
        wr_ctl_u32(body, (uint32_t)strlen(argv[i]));
        evbuffer_add(body, argv[i], strlen(argv[i]));
    }
    if (evbuffer_get_length(body) <= WR_CTL_MAX_REQUEST) {
        wr_ctl_u32(msg, (uint32_t)evbuffer_get_length(body));
        evbuffer_add_buffer(msg, body);
        rc = wr_ctl_write_all(fd, evbuffer_pullup(msg, -1), evbuffer_get_length(msg));
    }
    evbuffer_free(body);
    evbuffer_free(msg);
    return rc;
}

static int
wr_ctl_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* await_startup keeps trying until the broker has created its socket or the timeout passes. */
static int
wr_ctl_connect_wait(const struct wr_ctl_client_opts *o)
{
    struct timespec pause = {0, 100 * 1000 * 1000};
    double waited = 0;
    int fd;

    while ((fd = wr_ctl_connect(o->socket)) < 0 && o->await && waited < o->timeout_s &&
           (errno == ENOENT || errno == ECONNREFUSED)) {
        nanosleep(&pause, NULL);
        waited += 0.1;
    }
    return fd;
}

static int
wr_ctl_unreachable(const struct wr_ctl_client_opts *o, const char *why)
{
    const char *node = o->node ? o->node : o->socket;

    fprintf(stderr,
            "Error: unable to perform an operation on node '%s'. Please see diagnostics "
            "information and suggestions below.\n\nMost common reasons for this are:\n\n"
            " * Target node is unreachable (e.g. due to hostname resolution, TCP connection or "
            "firewall issues)\n * Target node is not running\n * The control socket is not the "
            "one the node uses (-n PATH, WARREN_CTL_SOCKET)\n\nDIAGNOSTICS\n===========\n\n"
            "attempted to contact: [%s]\n\n%s:\n  * control socket %s: %s\n",
            node, node, node, o->socket, why);
    return WR_CTL_UNAVAILABLE;
}

/* Reads the whole reply (the broker closes after it). */
static int
wr_ctl_read_all(int fd, struct evbuffer *in)
{
    for (;;) {
        int n = evbuffer_read(in, fd, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
    }
}

/* CODE, OUTLEN + out, ERRLEN + err; prints them and returns CODE, or -1 when truncated. */
static int
wr_ctl_print_reply(struct evbuffer *in)
{
    uint8_t h[4];
    uint32_t code, n;

    if (evbuffer_remove(in, h, 4) != 4)
        return -1;
    code = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    for (FILE *f = stdout; f != NULL; f = f == stdout ? stderr : NULL) {
        if (evbuffer_remove(in, h, 4) != 4)
            return -1;
        n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (evbuffer_get_length(in) < n)
            return -1;
        if (n > 0) /* pullup of nothing is NULL, which fwrite must not get */
            fwrite(evbuffer_pullup(in, n), 1, n, f);
        evbuffer_drain(in, n);
        fflush(f);
    }
    return code > 255 ? WR_CTL_SOFTWARE : (int)code;
}

/* help, and usage errors, are answered here without a broker. */
static int
wr_ctl_local(int argc, char **argv)
{
    struct evbuffer *out = evbuffer_new(), *err = evbuffer_new();
    int rc = -1;

    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        wr_ctl_usage(argc < 2 ? err : out);
        rc = argc < 2 ? WR_CTL_USAGE : 0;
    } else if ((rc = wr_ctl_run(NULL, argc - 1, argv + 1, out, err, NULL)) == 0) {
        rc = -1; /* valid: the broker runs it */
    }
    evbuffer_write(out, STDOUT_FILENO);
    evbuffer_write(err, STDERR_FILENO);
    evbuffer_free(out);
    evbuffer_free(err);
    return rc;
}

/* export/import_definitions name files of the client's side: the broker is sent "-" or the
 * document, and the export is written here. Returns the index of the path argument, or 0. */
static int
wr_ctl_file_arg(int argc, char **argv, bool *export)
{
    for (int i = 1; i + 1 < argc; i++) {
        *export = strcmp(argv[i], "export_definitions") == 0;
        if (*export || strcmp(argv[i], "import_definitions") == 0)
            return i + 1;
    }
    return 0;
}

static bool
wr_ctl_quiet(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-s") ||
            !strcmp(argv[i], "--silent"))
            return true;
    }
    return false;
}

static char *
wr_ctl_slurp(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    struct evbuffer *b = evbuffer_new();
    char buf[65536], *out = NULL;
    size_t n;

    if (f == NULL) {
        evbuffer_free(b);
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        evbuffer_add(b, buf, n);
    evbuffer_add(b, "", 1);
    out = strdup((const char *)evbuffer_pullup(b, -1));
    evbuffer_free(b);
    if (f != stdin)
        fclose(f);
    return out;
}

/* Writes the reply's stdout (the JSON) to path; the reply's stderr still goes to stderr. */
static int
wr_ctl_save_export(struct evbuffer *in, const char *path)
{
    uint8_t h[4];
    uint32_t code, n;
    FILE *f;

    if (evbuffer_copyout(in, h, 4) != 4)
        return -1;
    code = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    if (code != 0)
        return wr_ctl_print_reply(in);
    evbuffer_drain(in, 4);
    evbuffer_remove(in, h, 4);
    n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    f = fopen(path, "w");
    if (f == NULL || fwrite(evbuffer_pullup(in, n), 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "Error:\ncould not write %s: %s\n", path, strerror(errno));
        return WR_CTL_CANTCREAT;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct wr_ctl_client_opts o;
    struct evbuffer *in;
    int fd, rc;

    if ((rc = wr_ctl_local(argc, argv)) >= 0)
        return rc;
    wr_ctl_client_opts(argc, argv, &o);
    bool export = false;
    int fi = wr_ctl_file_arg(argc, argv, &export);
    char *path = fi ? argv[fi] : NULL, *doc = NULL;
    /* as rabbitmqctl: nothing but the document when it goes to standard output */
    if (path != NULL && !wr_ctl_quiet(argc, argv) && !(export && strcmp(path, "-") == 0))
        printf(export ? "Exporting definitions in JSON to a file at \"%s\" ...\n"
                      : "Importing definitions in JSON from a file at \"%s\" ...\n",
               path);
    if (path != NULL && !export) {
        if ((doc = wr_ctl_slurp(path)) == NULL) {
            fprintf(stderr, "Error:\n%s: %s\n", path, strerror(errno));
            return WR_CTL_NOINPUT;
        }
        argv[fi] = doc;
    } else if (path != NULL) {
        argv[fi] = (char *)"-";
    }
    fd = wr_ctl_connect_wait(&o);
    if (fd < 0)
        return wr_ctl_unreachable(&o, strerror(errno));
    if (wr_ctl_send(fd, argc, argv) < 0) {
        close(fd);
        fprintf(stderr, "Error:\ncommand line too long for the control channel\n");
        return WR_CTL_USAGE;
    }
    in = evbuffer_new();
    if (wr_ctl_read_all(fd, in) < 0)
        rc = -1;
    else if (export && path != NULL && strcmp(path, "-") != 0)
        rc = wr_ctl_save_export(in, path);
    else
        rc = wr_ctl_print_reply(in);
    evbuffer_free(in);
    free(doc);
    close(fd);
    return rc < 0 ? wr_ctl_unreachable(&o, "connection closed before the reply") : rc;
}
