/* Streaming child in C: Hama's summation example over protocol version 0 (stdin/stdout). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char line[65536];

static const char *rd(void) {
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) { fprintf(stderr, "framework closed stdin\n"); exit(3); }
    line[strcspn(line, "\r\n")] = 0;
    return line;
}

static void expect(const char *what) {
    if (strcmp(rd(), what) != 0) { fprintf(stderr, "expected %s, got %s\n", what, line); exit(4); }
}

int main(void) {
    long i, n;
    double sum = 0, total = 0;
    char master[1024];
    expect("%0%=");
    rd();
    expect("%1%=");
    n = atol(rd());
    for (i = 0; i < n; i++) rd();
    puts("%ACK_0%=");
    expect("%3%=");
    puts("%ACK_3%=");
    expect("%4%=");
    for (;;) {
        int end;
        puts("%6%=");
        end = strcmp(rd(), "%%-1%%") == 0;
        rd();
        if (end) break;
        sum += atof(line);
    }
    puts("%13%=\n0");
    snprintf(master, sizeof master, "%s", rd());
    printf("%%10%%=\n%s\n%.17g\n", master, sum);
    puts("%11%=");
    expect("%11%=_SUCCESS");
    puts("%14%=");
    if (atoi(rd()) == 0) {
        for (;;) {
            puts("%8%=");
            if (strcmp(rd(), "%%-1%%") == 0) break;
            total += atof(line);
        }
        printf("%%7%%=\nSum\n%.17g\n", total);
    }
    puts("%ACK_4%=");
    expect("%5%=");
    puts("%ACK_5%=\n%22%=\n%21%=");
    fflush(stdout);
    return 0;
}
