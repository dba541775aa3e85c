/* A Pipes (binary) test child on hamapipes: "api" exercises every operation, "seqfile"
 * writes and reads a SequenceFile through the framework, "crash"/"silent" misbehave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hamapipes.h"

static const char *mode = "api";

static void out_int(hp_ctx *c, const char *key, long long v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%lld", v);
    hp_write(c, key, buf);
}

static void bsp(hp_ctx *c) {
    int me = hp_get_peer_index(c), n = hp_get_num_peers(c), k, records = 0, again = 0;
    char *key, *value, *msg, buf[256];
    if (strcmp(mode, "partition") == 0) {
        while (hp_read_next(c, &key, &value)) { hp_write(c, key, value); free(key); free(value); }
        return;
    }
    if (strcmp(mode, "seqfile") == 0) {
        int id;
        snprintf(buf, sizeof buf, "%s/seq-%d", hp_conf_get(c, "test.seq.dir"), me);
        id = hp_seqfile_open(c, buf, "w", "org.apache.hadoop.io.Text", "org.apache.hadoop.io.IntWritable");
        for (k = 0; k < 3; k++) {
            char kk[32], vv[32];
            snprintf(kk, sizeof kk, "k%d", k);
            snprintf(vv, sizeof vv, "%d", 10 * me + k);
            out_int(c, "append_ok", hp_seqfile_append(c, id, kk, vv));
        }
        out_int(c, "close_ok", hp_seqfile_close(c, id));
        id = hp_seqfile_open(c, buf, "r", "org.apache.hadoop.io.Text", "org.apache.hadoop.io.IntWritable");
        while (hp_seqfile_read_next(c, id, &key, &value)) {
            hp_write(c, key, value);
            free(key);
            free(value);
        }
        hp_seqfile_close(c, id);
        out_int(c, "bad_open", hp_seqfile_open(c, "/no/such/file", "r", "x", "y"));
        return;
    }
    out_int(c, "index", me);
    out_int(c, "peers", n);
    hp_write(c, "self_is_indexed", strcmp(hp_peer_name(c, me), hp_peer_name(c, -1)) == 0 ? "true" : "false");
    hp_write(c, "out_of_range", hp_peer_name(c, 99));
    while (hp_read_next(c, &key, &value)) { records++; free(key); free(value); }
    hp_reopen_input(c);
    while (hp_read_next(c, &key, &value)) { again++; free(key); free(value); }
    out_int(c, "records", records);
    out_int(c, "again", again);
    for (k = 0; k < n; k++) hp_send(c, hp_peer_name(c, k), "dropped");
    hp_clear(c);
    snprintf(buf, sizeof buf, "kept from %d", me);
    hp_send(c, hp_peer_name(c, 0), buf);
    hp_log(c, "pipes child logging");
    hp_increment_counter(c, "pipes", "api", 2);
    if (strcmp(mode, "crash") == 0) { fprintf(stderr, "pipes child about to crash\n"); abort(); }
    if (strcmp(mode, "silent") == 0) { fprintf(stderr, "pipes child going silent\n"); sleep(600); }
    hp_sync(c);
    out_int(c, "superstep", (long long)hp_get_superstep_count(c));
    out_int(c, "count", hp_get_num_current_messages(c));
    k = 0;
    while ((msg = hp_get_current_message(c)) != NULL) { k++; free(msg); }
    out_int(c, "received", k);
}

/* "key<N>" goes to task N % num_tasks. */
static int partition(const char *key, const char *value, int num_tasks) {
    (void)value;
    while (*key && (*key < '0' || *key > '9')) key++;
    return atoi(key) % num_tasks;
}

int main(int argc, char **argv) {
    hp_bsp prog = {NULL, bsp, NULL, partition};
    if (argc > 1) mode = argv[1];
    return hp_run_task(&prog);
}
