/* hamapipes: a small C library for Hama Pipes children (binary protocol over a local socket).
 *
 * A child defines setup/bsp/cleanup callbacks and calls hp_run_task().  Keys, values and
 * messages are strings (Hama's C++ templates send non-Writable types as strings too).
 * Strings returned by the library are malloc'd and must be freed by the caller, except
 * hp_conf_get() and hp_peer_name() whose results belong to the context.
 */
#ifndef HAMAPIPES_H
#define HAMAPIPES_H

#include <stdint.h>

typedef struct hp_ctx hp_ctx;

typedef struct {
    void (*setup)(hp_ctx *ctx);   /* may be NULL */
    void (*bsp)(hp_ctx *ctx);
    void (*cleanup)(hp_ctx *ctx); /* may be NULL */
    /* Runtime partitioning (-partitioner org.apache.hama.pipes.PipesPartitioner): the task
     * index of a record; NULL = 0.  Called in a separate child started without a peer. */
    int (*partition)(const char *key, const char *value, int num_tasks);
} hp_bsp;

/* Connect to hama.pipes.command.port, serve the framework, return the exit status. */
int hp_run_task(const hp_bsp *bsp);

/* The job configuration (NULL when unset) and typed helpers. */
const char *hp_conf_get(hp_ctx *ctx, const char *key);
long hp_conf_get_int(hp_ctx *ctx, const char *key, long dflt);

/* Messaging. */
void hp_send(hp_ctx *ctx, const char *peer, const char *msg);
char *hp_get_current_message(hp_ctx *ctx);          /* NULL when none is left */
int hp_get_num_current_messages(hp_ctx *ctx);
/* Every message left, fetched with pipelined requests; free each string and the array. */
char **hp_get_all_messages(hp_ctx *ctx, int *count);
void hp_sync(hp_ctx *ctx);
void hp_clear(hp_ctx *ctx);

/* Identity. */
int64_t hp_get_superstep_count(hp_ctx *ctx);
const char *hp_peer_name(hp_ctx *ctx, int index); /* -1: this peer; "" when out of range */
int hp_get_peer_index(hp_ctx *ctx);
int hp_get_num_peers(hp_ctx *ctx);

/* Input and output. */
int hp_read_next(hp_ctx *ctx, char **key, char **value); /* 1 = record, 0 = end */
void hp_write(hp_ctx *ctx, const char *key, const char *value);
void hp_reopen_input(hp_ctx *ctx);

/* Counters and logging. */
void hp_increment_counter(hp_ctx *ctx, const char *group, const char *name, int64_t amount);
void hp_log(hp_ctx *ctx, const char *msg);

/* SequenceFiles through the framework ("r" or "w"; Java class names). */
int hp_seqfile_open(hp_ctx *ctx, const char *path, const char *option, const char *key_class,
                    const char *value_class);                   /* id, or -1 */
int hp_seqfile_read_next(hp_ctx *ctx, int id, char **key, char **value); /* 1 = record, 0 = end */
int hp_seqfile_append(hp_ctx *ctx, int id, const char *key, const char *value); /* 1 ok */
int hp_seqfile_close(hp_ctx *ctx, int id);                       /* 1 ok */

#endif
