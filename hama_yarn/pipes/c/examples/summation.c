/* Hama's summation example: each task sums its values and sends the sum to the master
 * (peer numPeers/2), which writes the total. Input: KeyValueTextInputFormat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hamapipes.h"

static void bsp(hp_ctx *c) {
    double sum = 0, total = 0;
    char *key, *value, *msg, buf[64];
    const char *master = hp_peer_name(c, hp_get_num_peers(c) / 2);
    while (hp_read_next(c, &key, &value)) {
        sum += atof(value);
        free(key);
        free(value);
    }
    snprintf(buf, sizeof buf, "%.17g", sum);
    hp_send(c, master, buf);
    hp_sync(c);
    if (strcmp(hp_peer_name(c, -1), master) == 0) {
        while ((msg = hp_get_current_message(c)) != NULL) {
            total += atof(msg);
            free(msg);
        }
        snprintf(buf, sizeof buf, "%.17g", total);
        hp_write(c, "Sum", buf);
    }
}

int main(void) {
    hp_bsp prog = {NULL, bsp, NULL, NULL};
    return hp_run_task(&prog);
}
