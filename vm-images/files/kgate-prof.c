/*
 * kgate-prof: a guest-side sampling profile of one command (issue 28).
 *
 *   kgate-prof PERIOD_NS OUT CMD ARGS...
 *
 * Opens a cpu-clock software perf event on CPU 0 for every task (the guest has
 * one CPU), sampling the instruction pointer every PERIOD_NS of guest time,
 * runs CMD, and writes OUT:
 *
 *   kgate-prof 1 period_ns=N samples=S kernel=K user=U lost=L
 *   <hex kernel ip> <count>          (one line per distinct kernel ip, ascending)
 *
 * In deterministic mode (QEMU -icount) guest time follows executed
 * instructions, so the same kernel, image, plan and seed give the same OUT.
 * Symbols are resolved on the host from the build's System.map (the guest
 * kernel has no kallsyms). Exits with CMD's status (125 on its own errors).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 1024 /* 4 MiB ring: drained every 50 ms of guest time */
#define MAX_IPS (1 << 18)

struct bucket { uint64_t ip; uint64_t n; };
static struct bucket *table; /* open addressing, MAX_IPS slots */
static uint64_t samples, kernel, user, lost;

static void add(uint64_t ip) {
    samples++;
    if (ip < 0xffff800000000000ULL) { user++; return; }
    kernel++;
    uint64_t h = (ip * 0x9e3779b97f4a7c15ULL) >> 46;
    for (uint64_t i = 0; i < MAX_IPS; i++) {
        struct bucket *b = &table[(h + i) & (MAX_IPS - 1)];
        if (b->n == 0) { b->ip = ip; b->n = 1; return; }
        if (b->ip == ip) { b->n++; return; }
    }
    lost++;
}

static void drain(struct perf_event_mmap_page *meta, size_t page) {
    unsigned char *data = (unsigned char *)meta + page;
    uint64_t size = (uint64_t)PAGES * page;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = meta->data_tail;
    while (tail < head) {
        struct perf_event_header h;
        unsigned char rec[64];
        for (size_t i = 0; i < sizeof h; i++) ((unsigned char *)&h)[i] = data[(tail + i) % size];
        if (h.size < sizeof h || h.size > sizeof rec) break;
        for (size_t i = 0; i < h.size; i++) rec[i] = data[(tail + i) % size];
        if (h.type == PERF_RECORD_SAMPLE) {
            uint64_t ip;
            memcpy(&ip, rec + sizeof h, sizeof ip);
            add(ip);
        } else if (h.type == PERF_RECORD_LOST) {
            uint64_t n;
            memcpy(&n, rec + sizeof h + 8, sizeof n);
            lost += n;
        }
        tail += h.size;
    }
    __atomic_store_n(&meta->data_tail, head, __ATOMIC_RELEASE);
}

static int by_ip(const void *a, const void *b) {
    uint64_t x = ((const struct bucket *)a)->ip, y = ((const struct bucket *)b)->ip;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: kgate-prof PERIOD_NS OUT CMD ARGS...\n"); return 125; }
    uint64_t period = strtoull(argv[1], NULL, 10);
    if (period < 10000) { fprintf(stderr, "kgate-prof: period below 10 us\n"); return 125; }
    table = calloc(MAX_IPS, sizeof *table);
    if (!table) { perror("kgate-prof: calloc"); return 125; }

    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.sample_period = period;
    attr.sample_type = PERF_SAMPLE_IP;
    attr.disabled = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0);
    if (fd < 0) { perror("kgate-prof: perf_event_open"); return 125; }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *ring = mmap(NULL, (PAGES + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) { perror("kgate-prof: mmap"); return 125; }

    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    pid_t child = fork();
    if (child < 0) { perror("kgate-prof: fork"); return 125; }
    if (child == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "kgate-prof: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    int status = 0;
    for (;;) {
        pid_t r = waitpid(child, &status, WNOHANG);
        drain(ring, page);
        if (r == child) break;
        if (r < 0 && errno != EINTR) { perror("kgate-prof: waitpid"); return 125; }
        usleep(50000);
    }
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    drain(ring, page);

    size_t n = 0;
    for (size_t i = 0; i < MAX_IPS; i++) if (table[i].n) table[n++] = table[i];
    qsort(table, n, sizeof *table, by_ip);
    FILE *out = fopen(argv[2], "w");
    if (!out) { perror("kgate-prof: open output"); return 125; }
    fprintf(out, "kgate-prof 1 period_ns=%llu samples=%llu kernel=%llu user=%llu lost=%llu\n",
            (unsigned long long)period, (unsigned long long)samples, (unsigned long long)kernel,
            (unsigned long long)user, (unsigned long long)lost);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%llx %llu\n", (unsigned long long)table[i].ip, (unsigned long long)table[i].n);
    if (fclose(out) != 0) { perror("kgate-prof: write output"); return 125; }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
