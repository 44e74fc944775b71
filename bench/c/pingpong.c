/*
 * pingpong.c: the physical limit of a round trip between two processes on this machine.
 *
 * Two processes share an anonymous MAP_SHARED mapping created before fork(). Each direction has a
 * 64-byte-aligned control line holding a sequence number; payloads up to 56 bytes ride on that same
 * cache line (so an 8-byte message costs exactly one cache-line transfer each way), larger ones go
 * through a separate buffer with memcpy in and out, as any real transport must. Both sides busy-spin:
 * this assumes one core per process (the benchmark machine has two).
 *
 * Usage: pingpong <size-bytes> <iterations> [warmup] [max-ms]
 * Stops early after max-ms of measured round trips (default 2000): on a loaded machine a spinning peer can be
 * descheduled for a whole time slice per round trip, and a fixed count would then take minutes.
 * Prints one JSON object: {"size":..,"iterations":..,"median_ns":..,"p99_ns":..,"min_ns":..,"yields":..}
 * ("iterations" is the number actually measured; "yields" counts sched_yield calls: non-zero means a peer was descheduled).
 *
 * Robustness: each process gets SIGKILL when its parent dies (PR_SET_PDEATHSIG), and every spin gives up
 * after a few seconds, so a stuck peer never leaves a process burning a core.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE 64
#define INLINE_MAX (LINE - 8)
#define MAX_SIZE (1 << 20)
#define SPIN_TIMEOUT_NS 5000000000ULL

typedef struct {
  _Alignas(LINE) uint64_t seq;     /* published last, with release order */
  uint8_t inline_data[INLINE_MAX]; /* small payloads share the line with seq */
} line_t;

typedef struct {
  line_t ping;
  line_t pong;
  _Alignas(LINE) uint8_t ping_buf[MAX_SIZE];
  _Alignas(LINE) uint8_t pong_buf[MAX_SIZE];
} shared_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Spin until *seq == want; checking the clock only every 64k spins keeps the hot loop tight. After 4k spins
 * (microseconds, far above an uncontended round trip) yield the core: if the peer was descheduled because
 * another process holds the second core, pure spinning would burn our whole time slice before it can run.
 */
static long yields; /* how often this process gave the core away: non-zero means the numbers are inflated */

static void wait_seq(uint64_t *seq, uint64_t want) {
  uint64_t spins = 0, start = 0;
  while (__atomic_load_n(seq, __ATOMIC_ACQUIRE) != want) {
    if (++spins > 4096) { sched_yield(); yields++; }
    if ((spins & 0xffff) == 0) {
      uint64_t t = now_ns();
      if (start == 0) start = t;
      else if (t - start > SPIN_TIMEOUT_NS) {
        fprintf(stderr, "pingpong: peer did not answer within 5 s\n");
        _exit(3);
      }
    }
  }
}

static void put(line_t *line, uint8_t *buf, const uint8_t *src, size_t size, uint64_t seq) {
  if (size <= INLINE_MAX) memcpy(line->inline_data, src, size);
  else memcpy(buf, src, size);
  __atomic_store_n(&line->seq, seq, __ATOMIC_RELEASE);
}

static void get(line_t *line, uint8_t *buf, uint8_t *dst, size_t size, uint64_t seq) {
  wait_seq(&line->seq, seq);
  if (size <= INLINE_MAX) memcpy(dst, line->inline_data, size);
  else memcpy(dst, buf, size);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: pingpong <size> <iterations> [warmup] [max-ms]\n");
    return 2;
  }
  size_t size = strtoul(argv[1], NULL, 10);
  long iterations = strtol(argv[2], NULL, 10);
  long warmup = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;
  long max_ms = argc > 4 ? strtol(argv[4], NULL, 10) : 2000;
  if (size < 1 || size > MAX_SIZE || iterations < 1 || warmup < 0) {
    fprintf(stderr, "pingpong: bad arguments: size=%zu iterations=%ld warmup=%ld\n", size, iterations, warmup);
    return 2;
  }

  /* Die with the harness too, even if it is SIGKILLed and cannot clean up. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  shared_t *sh = mmap(NULL, sizeof(shared_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) { perror("mmap"); return 1; }
  uint8_t *payload = malloc(size), *scratch = malloc(size);
  uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)iterations);
  if (!payload || !scratch || !samples) { perror("malloc"); return 1; }
  /* Same deterministic bytes as the Node contenders (bench/lib/payload.ts). */
  for (size_t i = 0; i < size; i++) payload[i] = (uint8_t)((i * 131 + 7) & 0xff);

  long total = warmup + iterations;
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(1); /* parent already gone */
    for (long i = 1; i <= total; i++) {
      get(&sh->ping, sh->ping_buf, scratch, size, (uint64_t)i);
      put(&sh->pong, sh->pong_buf, scratch, size, (uint64_t)i);
    }
    _exit(0);
  }

  uint64_t deadline = 0;
  long measured = 0;
  for (long i = 1; i <= total; i++) {
    uint64_t t0 = now_ns();
    put(&sh->ping, sh->ping_buf, payload, size, (uint64_t)i);
    get(&sh->pong, sh->pong_buf, scratch, size, (uint64_t)i);
    uint64_t t1 = now_ns();
    if (i <= warmup) continue;
    if (deadline == 0) deadline = t0 + (uint64_t)max_ms * 1000000ULL;
    samples[measured++] = t1 - t0;
    if (t1 > deadline) break;
  }
  /* The child may still wait for pings we will not send (early stop): it has nothing left to say. */
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  iterations = measured;
  if (memcmp(payload, scratch, size) != 0) { fprintf(stderr, "pingpong: payload corrupted\n"); return 1; }

  qsort(samples, (size_t)iterations, sizeof(uint64_t), cmp_u64);
  long p99 = (long)((double)(iterations - 1) * 0.99 + 0.5);
  printf("{\"size\":%zu,\"iterations\":%ld,\"median_ns\":%llu,\"p99_ns\":%llu,\"min_ns\":%llu,\"yields\":%ld}\n", size,
         iterations, (unsigned long long)samples[iterations / 2], (unsigned long long)samples[p99],
         (unsigned long long)samples[0], yields);
  return 0;
}
