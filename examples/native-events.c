/*
 * The C producer of examples/native-events.ts: fills a shared frame buffer and futex-wakes the Node consumer.
 *
 *   cc -std=c11 -O2 -o native-events examples/native-events.c -lm && ./native-events <segment name> <frames>
 *
 * Layout of the segment (Node creates it with segment(name, { size })):
 *   offset 0   u32  frame counter: incremented after each frame is written, then FUTEX_WAKE (Node's wakeups(shm, 0))
 *   offset 4   u32  frames consumed: Node's wake(shm, 4) after reading one (this program FUTEX_WAITs on it)
 *   offset 8   f64  checksum of the frame: the sum of its samples
 *   offset 16  u32  sample count
 *   offset 64  f64  samples[count]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(_Atomic uint32_t *word, int op, uint32_t value, const struct timespec *timeout) {
  return syscall(SYS_futex, (uint32_t *)word, op, value, timeout, NULL, 0);
}

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: %s <segment name> <frames>\n", argv[0]), 1;
  char path[300];
  snprintf(path, sizeof path, "/%s", argv[1]);
  uint32_t frames = (uint32_t)strtoul(argv[2], NULL, 10);
  int fd = shm_open(path, O_RDWR, 0);
  if (fd < 0) return perror("shm_open"), 1;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 64 + 8) return fprintf(stderr, "segment too small\n"), 1;
  uint8_t *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return perror("mmap"), 1;
  _Atomic uint32_t *written = (_Atomic uint32_t *)base, *consumed = written + 1;
  double *checksum = (double *)(base + 8), *samples = (double *)(base + 64);
  uint32_t *count = (uint32_t *)(base + 16), capacity = (uint32_t)((st.st_size - 64) / 8);

  for (uint32_t frame = 1; frame <= frames; frame++) {
    uint32_t n = capacity < 1000 ? capacity : 1000;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += samples[i] = sin(frame + i * 0.01);
    *count = n;
    *checksum = sum;
    atomic_fetch_add(written, 1);                 /* publish: the new value is the wake-up */
    futex(written, FUTEX_WAKE, INT_MAX, NULL);    /* shared futex: the waiter is another process */
    for (int waited = 0; atomic_load(consumed) < frame; waited++) {
      if (waited == 100) return fprintf(stderr, "the consumer did not take frame %u within 10 s\n", frame), 2;
      struct timespec bound = {0, 100000000};
      futex(consumed, FUTEX_WAIT, atomic_load(consumed), &bound);
    }
  }
  printf("[c] wrote %u frames\n", frames);
  munmap(base, (size_t)st.st_size);
  close(fd);
  return 0;
}
