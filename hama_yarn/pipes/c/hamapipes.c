/* hamapipes: the child side of Hama's binary Pipes protocol (see hamapipes.h). */
#include "hamapipes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    START = 0, SET_BSPJOB_CONF = 1, RUN_SETUP = 3, RUN_BSP = 4, RUN_CLEANUP = 5, READ_KEYVALUE = 6,
    WRITE_KEYVALUE = 7, GET_MSG = 8, GET_MSG_COUNT = 9, SEND_MSG = 10, SYNC = 11, GET_ALL_PEERNAME = 12,
    GET_PEERNAME = 13, GET_PEER_INDEX = 14, GET_PEER_COUNT = 15, GET_SUPERSTEP_COUNT = 16,
    REOPEN_INPUT = 17, CLEAR = 18, CLOSE = 19, ABORT = 20, DONE = 21, TASK_DONE = 22,
    INCREMENT_COUNTER = 24, SEQFILE_OPEN = 25, SEQFILE_READNEXT = 26, SEQFILE_APPEND = 27,
    SEQFILE_CLOSE = 28, PARTITION_REQUEST = 29, PARTITION_RESPONSE = 30, LOG = 31, END_OF_DATA = 32
};

struct hp_ctx {
    int fd;
    unsigned char in[1 << 17];
    size_t in_pos, in_len;
    unsigned char *out;
    size_t out_len, out_cap;
    char **conf;
    long conf_n;
    char **names;
    int num_names;
    char *name_buf;
    unsigned char *pending; /* opcodes of one-way requests whose replies are not read yet */
    size_t pending_n, pending_cap;
    /* wire kinds (Hama's Java side: by Writable class) of input k/v, output k/v, message; files */
    int kind[5];
    int file_kind[256][2];
};

/* Typed slots travel as Hama's Java side writes them; the C API converts them to/from strings. */
enum { K_STRING, K_VINT, K_FLOAT, K_DOUBLE, K_BOOL, K_NULL };

static int kind_of(const char *cls) {
    const char *simple;
    if (!cls || !*cls) return K_STRING;
    simple = strrchr(cls, '.');
    simple = simple ? simple + 1 : cls;
    if (!strcmp(simple, "IntWritable") || !strcmp(simple, "VIntWritable") || !strcmp(simple, "LongWritable") ||
        !strcmp(simple, "VLongWritable")) return K_VINT;
    if (!strcmp(simple, "FloatWritable")) return K_FLOAT;
    if (!strcmp(simple, "DoubleWritable")) return K_DOUBLE;
    if (!strcmp(simple, "BooleanWritable")) return K_BOOL;
    if (!strcmp(simple, "NullWritable")) return K_NULL;
    return K_STRING;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hamapipes: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(70);
}

/* ------------------------------------------------------------ output */
static void put(hp_ctx *c, const void *data, size_t n) {
    if (c->out_len + n > c->out_cap) {
        c->out_cap = (c->out_len + n) * 2 + 4096;
        c->out = realloc(c->out, c->out_cap);
        if (!c->out) die("out of memory");
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
}

static void flush_out(hp_ctx *c) {
    size_t off = 0;
    while (off < c->out_len) {
        ssize_t w = write(c->fd, c->out + off, c->out_len - off);
        if (w <= 0) die("write to the framework failed");
        off += (size_t)w;
    }
    c->out_len = 0;
}

static void put_vlong(hp_ctx *c, int64_t i) {
    unsigned char b[9];
    int len, n = 0, idx;
    int64_t tmp;
    if (i >= -112 && i <= 127) {
        b[0] = (unsigned char)(signed char)i;
        put(c, b, 1);
        return;
    }
    len = -112;
    if (i < 0) { i ^= -1LL; len = -120; }
    tmp = i;
    while (tmp != 0) { tmp >>= 8; len--; }
    b[n++] = (unsigned char)(signed char)len;
    len = (len < -120) ? -(len + 120) : -(len + 112);
    for (idx = len; idx != 0; idx--) b[n++] = (unsigned char)((i >> ((idx - 1) * 8)) & 0xFF);
    put(c, b, (size_t)n);
}

static void put_string(hp_ctx *c, const char *s) {
    size_t n = strlen(s);
    put_vlong(c, (int64_t)n);
    put(c, s, n);
}

/* ------------------------------------------------------------ input */
static unsigned char get_byte(hp_ctx *c) {
    if (c->in_pos == c->in_len) {
        ssize_t r;
        flush_out(c);
        r = read(c->fd, c->in, sizeof c->in);
        if (r <= 0) die("the framework closed the connection");
        c->in_pos = 0;
        c->in_len = (size_t)r;
    }
    return c->in[c->in_pos++];
}

static int64_t get_vlong(hp_ctx *c) {
    signed char first = (signed char)get_byte(c);
    int size, k, negative;
    int64_t v = 0;
    if (first >= -112) return first;
    negative = first < -120;
    size = negative ? -119 - first : -111 - first;
    for (k = 0; k < size - 1; k++) v = (v << 8) | get_byte(c);
    return negative ? (v ^ -1LL) : v;
}

static char *get_string(hp_ctx *c) {
    int64_t n = get_vlong(c), k;
    char *s;
    if (n < 0 || n > (1 << 30)) die("bad string length %lld", (long long)n);
    s = malloc((size_t)n + 1);
    if (!s) die("out of memory");
    for (k = 0; k < n; k++) s[k] = (char)get_byte(c);
    s[n] = 0;
    return s;
}

static void command(hp_ctx *c, int op) { put_vlong(c, op); }

static char *get_typed(hp_ctx *c, int kind) {
    char buf[64];
    unsigned char b[8];
    uint64_t u = 0;
    int k, n = kind == K_FLOAT ? 4 : 8;
    if (kind == K_STRING) return get_string(c);
    if (kind == K_NULL) buf[0] = 0;
    else if (kind == K_VINT) snprintf(buf, sizeof buf, "%lld", (long long)get_vlong(c));
    else if (kind == K_BOOL) strcpy(buf, get_byte(c) ? "true" : "false");
    else {
        for (k = 0; k < n; k++) { b[k] = get_byte(c); u = (u << 8) | b[k]; }
        if (kind == K_FLOAT) { uint32_t u32 = (uint32_t)u; float f; memcpy(&f, &u32, 4); snprintf(buf, sizeof buf, "%.9g", (double)f); }
        else { double d; memcpy(&d, &u, 8); snprintf(buf, sizeof buf, "%.17g", d); }
    }
    return strdup(buf);
}

static void put_typed(hp_ctx *c, int kind, const char *s) {
    unsigned char b[8];
    uint64_t u;
    int k;
    if (kind == K_STRING) put_string(c, s);
    else if (kind == K_VINT) put_vlong(c, strtoll(s, NULL, 10));
    else if (kind == K_BOOL) { b[0] = !strcmp(s, "true") || !strcmp(s, "1"); put(c, b, 1); }
    else if (kind == K_FLOAT) {
        float f = strtof(s, NULL); uint32_t u32; memcpy(&u32, &f, 4);
        for (k = 3; k >= 0; k--) { b[k] = (unsigned char)(u32 & 0xff); u32 >>= 8; }
        put(c, b, 4);
    } else if (kind == K_DOUBLE) {
        double d = strtod(s, NULL); memcpy(&u, &d, 8);
        for (k = 7; k >= 0; k--) { b[k] = (unsigned char)(u & 0xff); u >>= 8; }
        put(c, b, 8);
    }
}

static int read_reply(hp_ctx *c, int op) {
    int got = (int)get_vlong(c);
    if (got == END_OF_DATA) return 0;
    if (got == ABORT) die("aborted by the framework");
    if (got != op) die("expected reply %d, got %d", op, got);
    return 1;
}

/* Read the replies of earlier one-way requests (they arrive in order). */
static void drain(hp_ctx *c) {
    size_t k, n = c->pending_n;
    c->pending_n = 0;
    for (k = 0; k < n; k++) read_reply(c, c->pending[k]);
}

static int reply(hp_ctx *c, int op) {
    drain(c);
    return read_reply(c, op);
}

/* A request whose reply carries no data: read it later (pipelining), at most 4096 behind. */
static void later(hp_ctx *c, int op) {
    if (c->pending_n == c->pending_cap) {
        c->pending_cap = c->pending_cap ? c->pending_cap * 2 : 256;
        c->pending = realloc(c->pending, c->pending_cap);
        if (!c->pending) die("out of memory");
    }
    c->pending[c->pending_n++] = (unsigned char)op;
    if (c->pending_n >= 4096 || c->out_len >= (1 << 16)) {
        flush_out(c);
        if (c->pending_n >= 4096) drain(c);
    }
}

/* ------------------------------------------------------------ API */
const char *hp_conf_get(hp_ctx *c, const char *key) {
    long k;
    for (k = 0; k + 1 < c->conf_n; k += 2)
        if (strcmp(c->conf[k], key) == 0) return c->conf[k + 1];
    return NULL;
}

long hp_conf_get_int(hp_ctx *c, const char *key, long dflt) {
    const char *v = hp_conf_get(c, key);
    return (v && *v) ? strtol(v, NULL, 10) : dflt;
}

void hp_send(hp_ctx *c, const char *peer, const char *msg) {
    command(c, SEND_MSG);
    put_string(c, peer);
    put_typed(c, c->kind[4], msg);
    later(c, SEND_MSG);
}

char *hp_get_current_message(hp_ctx *c) {
    command(c, GET_MSG);
    return reply(c, GET_MSG) ? get_typed(c, c->kind[4]) : NULL;
}

char **hp_get_all_messages(hp_ctx *c, int *count) {
    int left = hp_get_num_current_messages(c), got = 0, k, batch;
    char **msgs = calloc((size_t)left + 1, sizeof(char *));
    if (!msgs) die("out of memory");
    while (left > 0) { /* pipelined: up to 4096 GET_MSG requests in flight */
        batch = left < 4096 ? left : 4096;
        left -= batch;
        for (k = 0; k < batch; k++) command(c, GET_MSG);
        for (k = 0; k < batch; k++)
            if (reply(c, GET_MSG)) msgs[got++] = get_typed(c, c->kind[4]);
    }
    *count = got;
    return msgs;
}

int hp_get_num_current_messages(hp_ctx *c) {
    command(c, GET_MSG_COUNT);
    reply(c, GET_MSG_COUNT);
    return (int)get_vlong(c);
}

void hp_sync(hp_ctx *c) { command(c, SYNC); reply(c, SYNC); }
void hp_clear(hp_ctx *c) { command(c, CLEAR); later(c, CLEAR); }

int64_t hp_get_superstep_count(hp_ctx *c) {
    command(c, GET_SUPERSTEP_COUNT);
    reply(c, GET_SUPERSTEP_COUNT);
    return get_vlong(c);
}

static void load_names(hp_ctx *c) {
    int k;
    if (c->names) return;
    command(c, GET_ALL_PEERNAME);
    reply(c, GET_ALL_PEERNAME);
    c->num_names = (int)get_vlong(c);
    c->names = calloc((size_t)c->num_names + 1, sizeof(char *));
    for (k = 0; k < c->num_names; k++) c->names[k] = get_string(c);
}

const char *hp_peer_name(hp_ctx *c, int index) {
    if (index == -1) {
        if (!c->name_buf) {
            command(c, GET_PEERNAME);
            put_vlong(c, -1);
            reply(c, GET_PEERNAME);
            c->name_buf = get_string(c);
        }
        return c->name_buf;
    }
    load_names(c);
    return (index >= 0 && index < c->num_names) ? c->names[index] : "";
}

int hp_get_peer_index(hp_ctx *c) {
    command(c, GET_PEER_INDEX);
    reply(c, GET_PEER_INDEX);
    return (int)get_vlong(c);
}

int hp_get_num_peers(hp_ctx *c) {
    command(c, GET_PEER_COUNT);
    reply(c, GET_PEER_COUNT);
    return (int)get_vlong(c);
}

int hp_read_next(hp_ctx *c, char **key, char **value) {
    command(c, READ_KEYVALUE);
    if (!reply(c, READ_KEYVALUE)) return 0;
    *key = get_typed(c, c->kind[0]);
    *value = get_typed(c, c->kind[1]);
    return 1;
}

void hp_write(hp_ctx *c, const char *key, const char *value) {
    command(c, WRITE_KEYVALUE);
    put_typed(c, c->kind[2], key);
    put_typed(c, c->kind[3], value);
    later(c, WRITE_KEYVALUE);
}

void hp_reopen_input(hp_ctx *c) { command(c, REOPEN_INPUT); later(c, REOPEN_INPUT); }

void hp_increment_counter(hp_ctx *c, const char *group, const char *name, int64_t amount) {
    command(c, INCREMENT_COUNTER);
    put_string(c, group);
    put_string(c, name);
    put_vlong(c, amount);
    later(c, INCREMENT_COUNTER);
}

void hp_log(hp_ctx *c, const char *msg) { command(c, LOG); put_string(c, msg); }

int hp_seqfile_open(hp_ctx *c, const char *path, const char *option, const char *kc, const char *vc) {
    int id;
    command(c, SEQFILE_OPEN);
    put_string(c, path);
    put_string(c, option);
    put_string(c, kc);
    put_string(c, vc);
    reply(c, SEQFILE_OPEN);
    id = (int)get_vlong(c);
    if (id >= 0 && id < 256) { c->file_kind[id][0] = kind_of(kc); c->file_kind[id][1] = kind_of(vc); }
    return id;
}

int hp_seqfile_read_next(hp_ctx *c, int id, char **key, char **value) {
    command(c, SEQFILE_READNEXT);
    put_vlong(c, id);
    if (!reply(c, SEQFILE_READNEXT)) return 0;
    *key = get_typed(c, id >= 0 && id < 256 ? c->file_kind[id][0] : K_STRING);
    *value = get_typed(c, id >= 0 && id < 256 ? c->file_kind[id][1] : K_STRING);
    return 1;
}

int hp_seqfile_append(hp_ctx *c, int id, const char *key, const char *value) {
    command(c, SEQFILE_APPEND);
    put_vlong(c, id);
    put_typed(c, id >= 0 && id < 256 ? c->file_kind[id][0] : K_STRING, key);
    put_typed(c, id >= 0 && id < 256 ? c->file_kind[id][1] : K_STRING, value);
    reply(c, SEQFILE_APPEND);
    return (int)get_vlong(c);
}

int hp_seqfile_close(hp_ctx *c, int id) {
    command(c, SEQFILE_CLOSE);
    put_vlong(c, id);
    reply(c, SEQFILE_CLOSE);
    return (int)get_vlong(c);
}

/* ------------------------------------------------------------ task loop */
int hp_run_task(const hp_bsp *bsp) {
    static hp_ctx ctx;
    hp_ctx *c = &ctx;
    const char *port = getenv("hama.pipes.command.port");
    struct sockaddr_in addr;
    int one = 1, op;
    long k;
    if (!port) die("hama.pipes.command.port is not set: run this program with 'hama pipes'");
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("cannot connect to port %s", port);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (;;) {
        op = (int)get_vlong(c);
        switch (op) {
        case START:
            if (get_vlong(c) != 0) die("unsupported protocol version");
            break;
        case SET_BSPJOB_CONF:
            c->conf_n = (long)get_vlong(c);
            c->conf = calloc((size_t)c->conf_n + 1, sizeof(char *));
            for (k = 0; k < c->conf_n; k++) c->conf[k] = get_string(c);
            c->kind[0] = kind_of(hp_conf_get(c, "bsp.input.key.class"));
            c->kind[1] = kind_of(hp_conf_get(c, "bsp.input.value.class"));
            c->kind[2] = kind_of(hp_conf_get(c, "bsp.output.key.class"));
            c->kind[3] = kind_of(hp_conf_get(c, "bsp.output.value.class"));
            c->kind[4] = kind_of(hp_conf_get(c, "bsp.message.class"));
            break;
        case RUN_SETUP:
        case RUN_BSP:
        case RUN_CLEANUP: {
            void (*fn)(hp_ctx *) = op == RUN_SETUP ? bsp->setup : op == RUN_BSP ? bsp->bsp : bsp->cleanup;
            if (fn) fn(c);
            drain(c);
            command(c, TASK_DONE);
            flush_out(c);
            break;
        }
        case PARTITION_REQUEST: {
            char *key = get_typed(c, c->kind[0]), *value = get_typed(c, c->kind[1]);
            int n = (int)get_vlong(c);
            int p = bsp->partition ? bsp->partition(key, value, n) : 0;
            free(key);
            free(value);
            command(c, PARTITION_RESPONSE);
            put_vlong(c, p);
            flush_out(c);
            break;
        }
        case CLOSE:
            command(c, DONE);
            flush_out(c);
            close(c->fd);
            return 0;
        case ABORT:
            die("aborted by the framework");
            break;
        default:
            die("unknown command %d from the framework", op);
        }
    }
}
