/* kgate-mm: guest-side memory shaping for the memcg-sockpressure workload
 * (issue 14). Compiled on the host when the guest image is built (recipe
 * directive `compile`); driven by the plan (Workloads/PlanPressure.swift).
 *
 *   kgate-mm frag KEEP_MIB   allocate all free memory but KEEP_MIB, mlock one
 *                            page in every 2 MiB physical block it got (found
 *                            through /proc/self/pagemap), free the rest, and
 *                            sleep: with vm.compact_unevictable_allowed=0 no
 *                            order-9 block can form there, while MemFree
 *                            stays high.
 *   kgate-mm touch FILE      map FILE shared and read one byte per page in a
 *                            loop (hot mapped file pages: reclaim scans them
 *                            and keeps them); prints a line once all are mapped.
 *   kgate-mm thp             fault MADV_HUGEPAGE regions in a loop: with THP
 *                            defrag=defer each fault that finds no order-9
 *                            block wakes kswapd at order 9.
 *   kgate-mm seed            credit 256 bits derived from kgate.seed=N on the
 *                            kernel command line to the guest's random pool
 *                            (RNDADDENTROPY), so the crng is ready at once:
 *                            without it the first getrandom() (iperf3's)
 *                            blocks for ~1 s of guest time of busy jitter
 *                            entropy. Same seed, same bytes: repeats stay exact.
 *                            No kgate.seed (real-time modes): does nothing.
 *                            Plans with a memory cgroup do not run it (see
 *                            docs/DESIGN.md, "Seeds and paired statistics").
 * frag, touch and thp run until killed. Errors go to stderr with exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define BLOCK_PAGES 512UL

static int fail(const char *what) {
    fprintf(stderr, "kgate-mm: %s: %s\n", what, strerror(errno));
    return 1;
}

static void nap(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static long mem_free_kib(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long v = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemFree: %ld kB", &v) == 1) break;
    fclose(f);
    return v;
}

static int frag(long keep_mib) {
    long free_kib = mem_free_kib();
    if (free_kib < 0) return fail("reading /proc/meminfo");
    long mib = free_kib / 1024 - keep_mib;
    if (mib < 8) { fprintf(stderr, "kgate-mm: only %ld MiB free\n", free_kib / 1024); return 1; }
    size_t len = (size_t)mib << 20, pages = len / PAGE;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) return fail("mmap");
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < pages; i++) p[i * PAGE] = 1;
    int pm = open("/proc/self/pagemap", O_RDONLY);
    if (pm < 0) return fail("open /proc/self/pagemap");
    uint64_t *ent = malloc(pages * sizeof *ent);
    if (!ent) return fail("malloc");
    size_t off = ((uintptr_t)p / PAGE) * sizeof *ent;
    if (pread(pm, ent, pages * sizeof *ent, (off_t)off) != (ssize_t)(pages * sizeof *ent)) return fail("read pagemap");
    close(pm);
    /* One kept page per physical 2 MiB block: remember the blocks seen. */
    size_t maxpfn = 0;
    for (size_t i = 0; i < pages; i++) {
        uint64_t pfn = ent[i] & ((1ULL << 55) - 1);
        if ((ent[i] >> 63) && pfn > maxpfn) maxpfn = pfn;
    }
    unsigned char *seen = calloc(maxpfn / BLOCK_PAGES + 1, 1);
    if (!seen) return fail("calloc");
    size_t kept = 0, run = 0;
    for (size_t i = 0; i <= pages; i++) {
        int keep = 0;
        if (i < pages && (ent[i] >> 63)) {
            size_t b = (ent[i] & ((1ULL << 55) - 1)) / BLOCK_PAGES;
            if (!seen[b]) { seen[b] = 1; keep = 1; }
        }
        if (i == pages || keep) {
            if (i > run) munmap(p + run * PAGE, (i - run) * PAGE);
            if (keep) {
                if (mlock(p + i * PAGE, PAGE) != 0) return fail("mlock");
                kept++;
            }
            run = i + 1;
        }
    }
    free(ent);
    printf("kgate-mm: frag: %ld MiB touched, %zu blocks pinned\n", mib, kept);
    fflush(stdout);
    for (;;) pause();
}

static int touch(const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return fail(path);
    size_t len = (size_t)st.st_size;
    volatile unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap file");
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i += PAGE) sum += p[i];
    printf("kgate-mm: touch: %zu pages mapped\n", len / PAGE);
    fflush(stdout);
    for (;;) {
        nap(20);
        for (size_t i = 0; i < len; i += PAGE) sum += p[i];
    }
    return (int)sum;
}

static long thp_nap_ms = 50;
static int thp(void) {
    size_t len = 4UL << 20;
    for (;;) {
        unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return fail("mmap thp");
        unsigned char *a = (unsigned char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
        madvise(a, 2UL << 20, MADV_HUGEPAGE);
        a[0] = 1;
        munmap(p, len);
        nap(thp_nap_ms);
    }
}

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int seed(void) {
    char line[4096];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f) return fail("open /proc/cmdline");
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    const char *at = strstr(line, "kgate.seed=");
    if (!at || (at != line && at[-1] != ' ')) return 0;
    uint64_t x = strtoull(at + strlen("kgate.seed="), NULL, 10);
    struct { int entropy_count; int buf_size; uint64_t words[4]; } info;
    info.entropy_count = 256;
    info.buf_size = sizeof info.words;
    for (int i = 0; i < 4; i++) info.words[i] = splitmix(&x);
    int fd = open("/dev/urandom", O_WRONLY);
    if (fd < 0) return fail("open /dev/urandom");
    if (ioctl(fd, RNDADDENTROPY, &info) != 0) return fail("RNDADDENTROPY");
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "seed") == 0) return seed();
    if (argc == 3 && strcmp(argv[1], "frag") == 0) return frag(atol(argv[2]));
    if (argc == 3 && strcmp(argv[1], "touch") == 0) return touch(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "thp") == 0) { if (argc == 3) thp_nap_ms = atol(argv[2]); return thp(); }
    fprintf(stderr, "usage: kgate-mm frag KEEP_MIB | touch FILE | thp | seed\n");
    return 2;
}
