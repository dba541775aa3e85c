/* Hama's matrix multiplication example: C = A * B.
 *
 * Input: rows of A as a SequenceFile (IntWritable row index -> vector "v1,v2,...").  The
 * transposed B is read through the framework with hp_seqfile_open(hama.mat.mult.B.path).
 * Each task multiplies its rows, sends ":row:c1,c2,..." to the master (peer numPeers/2),
 * which writes (row, vector) records.  Vectors travel as Text: Hama's PipesVectorWritable
 * serializes exactly like Text (a VInt length and the "v1,v2,..." string). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hamapipes.h"

#define VEC_CLASS "org.apache.hadoop.io.Text"
#define KEY_CLASS "org.apache.hadoop.io.IntWritable"

static int parse(const char *s, double **out) {
    int n = 1, k = 0;
    const char *p;
    char *end;
    for (p = s; *p; p++) if (*p == ',') n++;
    *out = malloc(sizeof(double) * (size_t)n);
    for (p = s; k < n; k++) {
        (*out)[k] = strtod(p, &end);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void bsp(hp_ctx *c) {
    const char *b_path = hp_conf_get(c, "hama.mat.mult.B.path");
    const char *master = hp_peer_name(c, hp_get_num_peers(c) / 2);
    char *key, *value, *bkey, *bvalue, *msg;
    if (!b_path) { hp_log(c, "hama.mat.mult.B.path is not set"); exit(2); }
    while (hp_read_next(c, &key, &value)) {
        double *a, *b;
        int na = parse(value, &a), id, nb;
        size_t cap = 64, len;
        char *row = malloc(cap);
        len = (size_t)snprintf(row, cap, ":%s:", key);
        id = hp_seqfile_open(c, b_path, "r", KEY_CLASS, VEC_CLASS);
        if (id < 0) { hp_log(c, "cannot open B"); exit(3); }
        while (hp_seqfile_read_next(c, id, &bkey, &bvalue)) {
            double dot = 0;
            int k;
            char num[40];
            nb = parse(bvalue, &b);
            for (k = 0; k < na && k < nb; k++) dot += a[k] * b[k];
            k = snprintf(num, sizeof num, "%s%.17g", len > strlen(key) + 2 ? "," : "", dot);
            if (len + (size_t)k + 1 > cap) { cap = (len + (size_t)k + 1) * 2; row = realloc(row, cap); }
            memcpy(row + len, num, (size_t)k + 1);
            len += (size_t)k;
            free(b);
            free(bkey);
            free(bvalue);
        }
        hp_seqfile_close(c, id);
        hp_send(c, master, row);
        free(row);
        free(a);
        free(key);
        free(value);
    }
    hp_sync(c);
    if (strcmp(hp_peer_name(c, -1), master) == 0) {
        while ((msg = hp_get_current_message(c)) != NULL) {
            char *sep = strchr(msg + 1, ':');
            if (msg[0] == ':' && sep) {
                *sep = 0;
                hp_write(c, msg + 1, sep + 1);
            }
            free(msg);
        }
    }
}

int main(void) {
    hp_bsp prog = {NULL, bsp, NULL, NULL};
    return hp_run_task(&prog);
}
