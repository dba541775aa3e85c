/* Hama's pi estimator: each task throws hama.pi.iterations darts (default 10,000,000 in
 * Hama; 1,000,000 here), the master (peer numPeers/2) averages the estimates and writes pi. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hamapipes.h"

static void bsp(hp_ctx *c) {
    long iterations = hp_conf_get_int(c, "hama.pi.iterations", 1000000), i, in = 0;
    int n = hp_get_num_peers(c);
    const char *master = hp_peer_name(c, n / 2);
    char buf[64], *msg;
    unsigned int seed = 12345u + 7919u * (unsigned)hp_get_peer_index(c);
    for (i = 0; i < iterations; i++) {
        double x = rand_r(&seed) / (double)RAND_MAX * 2 - 1, y = rand_r(&seed) / (double)RAND_MAX * 2 - 1;
        if (x * x + y * y <= 1) in++;
    }
    snprintf(buf, sizeof buf, "%.17g", 4.0 * in / iterations);
    hp_send(c, master, buf);
    hp_increment_counter(c, "pipes", "darts", iterations);
    hp_sync(c);
    if (strcmp(hp_peer_name(c, -1), master) == 0) {
        double pi = 0;
        int count = hp_get_num_current_messages(c);
        while ((msg = hp_get_current_message(c)) != NULL) {
            pi += atof(msg);
            free(msg);
        }
        snprintf(buf, sizeof buf, "%.6f", pi / count);
        hp_write(c, "Estimated value of PI is", buf);
    }
}

int main(void) {
    hp_bsp prog = {NULL, bsp, NULL, NULL};
    return hp_run_task(&prog);
}
