/*
 * rxshm.h: a C peer for rxshm channels (docs/LAYOUT.md, layout version 1). One file, C99, Linux, libc only.
 *
 *   In exactly one .c file:   #define RXSHM_IMPLEMENTATION
 *                             #include "rxshm.h"
 *   Everywhere else:          #include "rxshm.h"
 *   Build:                    cc -std=c99 -O2 program.c        (also -m32: every shared field is fixed-width)
 *
 * Include it before any system header, or compile with -D_GNU_SOURCE (it needs memfd_create, seals, SO_PEERCRED).
 * A channel is used by one thread at a time (like a FILE without locking); different channels are independent.
 *
 * What it does: joins a named channel as a client (rxshm_connect) or serves one (rxshm_listen, rxshm_accept), with
 * the handshake of LAYOUT.md section 5 (abstract socket, SO_PEERCRED both ways, HELLO2/REPLY, a sealed memfd passed
 * with SCM_RIGHTS); joins an anonymous channel from the two descriptors a Node process handed over (rxshm_adopt,
 * rxshm_connect_parent: the child of spawnConnected, or the taker of nativeChannel's descriptors); sends and receives frames (section 6) over the two SPSC rings (section 4: claim/commit, padding
 * at the wrap, parked flags and doorbell bells without lost wake-ups); answers LivenessCheck with Alive by itself;
 * reads Batch frames (it sets CONSUMER_FLAG_READS_BATCHES when it attaches, so a Node sender packs bursts) and hands
 * out each of their messages as a Data frame of its own, the whole batch checked before the first;
 * Close and the peer's end (clean, aborted, or exited without closing: the doorbell's end-of-file). Every number read
 * from shared memory is checked before use: a bad one is RXSHM_CORRUPT (the peer is told), never a crash or a hang.
 * Not implemented: drop-oldest and reject as a producer (a C send waits for room, or times out), trusted uids other
 * than one's own.
 */
#ifndef RXSHM_H
#define RXSHM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64 /* fstat of a segment from a 32-bit process */
#endif
#include <stddef.h>
#include <stdint.h>

#ifdef RXSHM_STATIC
#define RXSHM_API static __attribute__((unused)) /* a private copy: what the program does not call is dropped */
#else
#define RXSHM_API extern
#endif

/* ===================================================================================================================
 * 1. Public API
 * =================================================================================================================*/

/** Results. 0 is success; every failure is negative. */
enum rxshm_result {
  RXSHM_OK = 0,
  RXSHM_TIMEOUT = -1,      /* nothing happened within the timeout (no frame, no room, no server, no client) */
  RXSHM_CLOSED = -2,       /* the peer closed cleanly, every frame it sent was received; or this side sent Close */
  RXSHM_PEER_EXITED = -3,  /* the peer's doorbell ended without Close: it died (SIGKILL, crash) */
  RXSHM_PEER_ABORTED = -4, /* the peer left with frames it never wrote (its aborted bit) */
  RXSHM_CORRUPT = -5,      /* the segment, a ring or a frame broke the layout; `problem` names the check */
  RXSHM_REFUSED = -6,      /* another user listens, the server refused us, or the segment is not sealed */
  RXSHM_BUSY = -7,         /* every slot of the server is taken (rxshm_connect retried until its timeout) */
  RXSHM_TOO_LARGE = -8,    /* the payload exceeds the channel's max_message */
  RXSHM_INVALID = -9,      /* a bad argument: name, length, state */
  RXSHM_SYSTEM = -10,      /* a system call failed: errno says why */
  RXSHM_FULL = -11,        /* ring level: no room now */
  RXSHM_EMPTY = -12,       /* ring level: nothing to read now */
  RXSHM_DROPPED = -13      /* the record read was dropped meanwhile by a drop-oldest producer: discard what you read */
};

/** Frame kinds (LAYOUT.md section 6). */
enum rxshm_kind {
  RXSHM_DATA = 1, RXSHM_REQUEST = 2, RXSHM_RESPONSE = 3, RXSHM_ERROR = 4,
  RXSHM_LIVENESS_CHECK = 5, RXSHM_ALIVE = 6, RXSHM_CLOSE = 7, RXSHM_CANCEL = 8,
  RXSHM_BATCH = 9 /* never returned by rxshm_recv: each of its messages comes out as RXSHM_DATA */
};

/** Error frame statuses (section 6); applications use 256..65535. */
enum rxshm_status {
  RXSHM_STATUS_NO_SUCH_METHOD = 1, RXSHM_STATUS_HANDLER_ERROR = 2, RXSHM_STATUS_BAD_REQUEST = 3,
  RXSHM_STATUS_CANCELLED = 4, RXSHM_STATUS_TIMEOUT = 5, RXSHM_STATUS_UNAVAILABLE = 6
};

/** What rxshm_wait waits for. */
enum rxshm_wait_for { RXSHM_WAIT_DATA = 1, RXSHM_WAIT_ROOM = 2 };

#define RXSHM_FRAME_HEADER_LENGTH 16u
#define RXSHM_BATCH_MAX_ENTRIES 4096u /* entries one Batch frame may carry (section 6, "Batch frames") */
#define RXSHM_DEFAULT_RING_CAPACITY (2u * 1024u * 1024u)
#define RXSHM_DEFAULT_MAX_MESSAGE (64u * 1024u)
#ifndef RXSHM_MAX_CLIENTS
#define RXSHM_MAX_CLIENTS 64 /* slots a server can hold; define before including to change */
#endif

/** A received frame: header fields and a view of its payload in the ring (8-byte aligned). */
typedef struct rxshm_frame {
  uint8_t kind, flags;
  uint16_t status;
  uint32_t correlation, method;
  const uint8_t *payload; /* valid until rxshm_release or the next rxshm_recv */
  uint32_t length;
} rxshm_frame;

/** A validated channel segment header (section 3). */
typedef struct rxshm_layout {
  uint64_t segment_size, token;
  uint32_t ring_capacity, max_message, creator_pid;
  uint32_t server_to_client, client_to_server; /* ring region offsets */
} rxshm_layout;

/** One side of one SPSC ring (section 4). Fields are the library's; `problem` names a failed check. */
typedef struct rxshm_ring {
  uint8_t *header, *data;
  uint32_t capacity, max_message;
  uint32_t position;                  /* producer: its WRITE_POSITION; consumer: its READ_POSITION */
  uint32_t cached_read;               /* producer: last READ_POSITION loaded */
  uint32_t wanted;                    /* producer: free bytes the last failed claim needed */
  uint32_t claim_offset, claim_length;
  uint32_t cursor_next;               /* consumer: position after the record under the cursor */
  int claiming, holding, drop_oldest; /* drop_oldest: -1 unknown until the first record, 0, 1 */
  int bell;                           /* set when a parked flag was taken: the caller must ring the peer */
  const char *problem;
} rxshm_ring;

struct rxshm_server;

/** A connected channel: this side's rings over the segment, and the doorbell socket. */
typedef struct rxshm_channel {
  int fd;                                 /* the doorbell: poll it for POLLIN to wait in your own loop */
  int is_server;
  uint32_t client_id, peer_pid, generation;
  uint32_t max_message;                   /* largest payload of one frame (MAX_MESSAGE - 16) */
  uint8_t *segment;
  size_t segment_size;
  rxshm_ring tx, rx;
  uint32_t next_correlation;
  uint32_t checks_answered;               /* LivenessChecks answered with Alive */
  uint32_t batches_received;              /* Batch frames received (their messages came out one by one) */
  uint32_t *batch_lengths;                /* the held Batch frame's LENGTHs, read once (malloc'd; rxshm_free) */
  uint32_t batch_count, batch_next, batch_at; /* its entries, the next to deliver, that entry's payload offset */
  const uint8_t *batch_payload;
  uint32_t recheck_ms;                    /* current re-check interval while parked (50 .. 1000 ms) */
  int close_sent, close_received, peer_gone, ended; /* ended: 0, or the final result of rxshm_recv */
  const char *problem;                    /* why RXSHM_CORRUPT / RXSHM_REFUSED, when known */
  struct rxshm_server *server;
  int slot;
} rxshm_channel;

/** A listening server of one named channel. */
typedef struct rxshm_server {
  int fd;
  uint32_t ring_capacity, max_message, max_clients, generation;
  unsigned char taken[RXSHM_MAX_CLIENTS];
} rxshm_server;

/* --- channels ---------------------------------------------------------------------------------------------------*/
/** Joins channel `name` as a client (section 5), retrying while nobody listens or the server is busy. */
RXSHM_API int rxshm_connect(rxshm_channel *ch, const char *name, int timeout_ms);
/**
 * Joins the anonymous channel whose two descriptors this process was handed (section 5, "An anonymous channel"): the
 * segment (a memfd: its seals are checked with F_GET_SEALS, its size with fstat, its header validated before use) and
 * the doorbell (a connected Unix stream socket). Takes ownership of both, whatever the result (they are closed on
 * failure, and by rxshm_free after success); then sends HELLO with the segment's TOKEN and waits up to timeout_ms for
 * the status byte. This side is the client: it produces ring 1 and consumes ring 0. RXSHM_INVALID for descriptors
 * that are not a socket and a file, RXSHM_REFUSED for a segment that is not sealed or a refusal, RXSHM_CORRUPT for a
 * bad header (`ch->problem` says which).
 */
RXSHM_API int rxshm_adopt(rxshm_channel *ch, int segment_fd, int doorbell_fd, int timeout_ms);
/**
 * In a child of Node's spawnConnected (or of a process that used nativeChannel): reads RXSHM_PARENT ("3,4": the
 * segment's and the doorbell's descriptors), unsets it (single use) and calls rxshm_adopt. RXSHM_INVALID when it is
 * unset, malformed, or a Windows form ("@name,fd", "@name,@pipe").
 */
RXSHM_API int rxshm_connect_parent(rxshm_channel *ch, int timeout_ms);
/** Serves channel `name` (section 5): 0 for ring_capacity/max_message/max_clients means the rxshm defaults. */
RXSHM_API int rxshm_listen(rxshm_server *srv, const char *name, uint32_t ring_capacity, uint32_t max_message,
                           uint32_t max_clients);
/** Accepts the next client that passes the checks of section 5 and gives it a slot and its segment. */
RXSHM_API int rxshm_accept(rxshm_server *srv, rxshm_channel *ch, int timeout_ms);
/** Stops listening (the address is free at once; section 5). Accepted channels go on; free them before `srv`. */
RXSHM_API void rxshm_server_close(rxshm_server *srv);
/** Sends one frame of any kind (section 6) as one record (4.3), waiting up to timeout_ms (-1: forever) for room. */
RXSHM_API int rxshm_send_frame(rxshm_channel *ch, uint8_t kind, uint16_t status, uint32_t correlation,
                               uint32_t method, const void *payload, uint32_t length, int timeout_ms);
/** Sends a Data frame (section 6). */
RXSHM_API int rxshm_send(rxshm_channel *ch, const void *payload, uint32_t length, int timeout_ms);
/** Zero-copy send (4.3 steps 1-4): room for a Data payload of `length` bytes, written in place; then rxshm_commit. */
RXSHM_API int rxshm_claim(rxshm_channel *ch, uint32_t length, uint8_t **payload, int timeout_ms);
/** Publishes the claimed Data frame with `length` (<= claimed) payload bytes (4.3 steps 5-7). */
RXSHM_API int rxshm_commit(rxshm_channel *ch, uint32_t length);
/** Sends a Request for `method` with a fresh correlation id, stored in *correlation (section 6). */
RXSHM_API int rxshm_request(rxshm_channel *ch, uint32_t method, const void *payload, uint32_t length,
                            uint32_t *correlation, int timeout_ms);
/** Answers the Request `correlation` with a Response (section 6). */
RXSHM_API int rxshm_respond(rxshm_channel *ch, uint32_t correlation, const void *payload, uint32_t length,
                            int timeout_ms);
/** Answers the Request `correlation` with an Error frame (section 6): `status` non-zero, `message` UTF-8 or NULL. */
RXSHM_API int rxshm_respond_error(rxshm_channel *ch, uint32_t correlation, uint16_t status, const char *message,
                                  int timeout_ms);
/** Sends a LivenessCheck with a fresh correlation id (section 6); the peer's Alive comes through rxshm_recv. */
RXSHM_API int rxshm_check_liveness(rxshm_channel *ch, uint32_t *correlation, int timeout_ms);
/**
 * Receives the next frame (Data, Request, Response, Error, Alive, Cancel; 4.4, 4.5 and 6), waiting up to timeout_ms
 * (-1: forever; parked as 4.6 says).
 * LivenessChecks are answered with Alive on the way. A Batch frame is checked whole (section 6, "Validation"), then
 * each of its messages comes out in order as a Data frame (flags, status, correlation, method 0) viewing the ring;
 * its record is freed after the last. After the last frame: RXSHM_CLOSED (the peer's Close, or its
 * closed bit), RXSHM_PEER_ABORTED or RXSHM_PEER_EXITED (section 5, "Close and death"), and that result ever after.
 */
RXSHM_API int rxshm_recv(rxshm_channel *ch, rxshm_frame *frame, int timeout_ms);
/**
 * Frees the frame rxshm_recv returned (4.4 steps 6-7; a Batch frame's record once its last message was returned);
 * RXSHM_DROPPED if a drop-oldest producer dropped it (4.7).
 */
RXSHM_API int rxshm_release(rxshm_channel *ch);
/** Parks (4.6) until the peer rings (events: RXSHM_WAIT_DATA and/or RXSHM_WAIT_ROOM), the timeout or its end. */
RXSHM_API int rxshm_wait(rxshm_channel *ch, int events, int timeout_ms);
/**
 * For your own poll loop over many channels: announces that this side waits (events as rxshm_wait) and re-checks.
 * Returns 1 when there is something to do already (do not sleep), 0 when you may sleep until ch->fd is readable
 * (bounded: re-check within a second). Either way call rxshm_unpark when you wake, before using the channel.
 */
RXSHM_API int rxshm_park(rxshm_channel *ch, int events);
/** Withdraws rxshm_park and reads the bells that woke this side (noticing the peer's end). */
RXSHM_API void rxshm_unpark(rxshm_channel *ch);
/** Sends Close and sets this side's closed bit (section 5, "Close and death"). Receiving goes on. */
RXSHM_API int rxshm_close(rxshm_channel *ch, int timeout_ms);
/** Closes the doorbell, unmaps the segment, frees its slot. Without rxshm_close first the peer sees an exit. */
RXSHM_API void rxshm_free(rxshm_channel *ch);
/** A short English text for a result. */
RXSHM_API const char *rxshm_strerror(int result);

/* --- the layout, for tools and tests (sections 3, 4, 6) ---------------------------------------------------------*/
/** Writes a channel header into a zero-filled segment of `size` bytes, MAGIC last (section 3.1). */
RXSHM_API int rxshm_segment_init(uint8_t *segment, uint64_t size, uint32_t ring_capacity, uint32_t max_message,
                                 uint32_t creator_pid, uint64_t token);
/** Validates a mapped segment header in the order of section 3.3; `*problem` names the failed check. */
RXSHM_API int rxshm_segment_validate(const uint8_t *segment, uint64_t mapped_size, rxshm_layout *out,
                                     const char **problem);
/** Attaches to the ring region at `region` as its producer (1) or consumer (0). */
RXSHM_API void rxshm_ring_attach(rxshm_ring *r, uint8_t *region, uint32_t capacity, uint32_t max_message,
                                 int producer);
/** Producer: claims room for a record of `length` payload bytes (section 4.3, steps 1-3). */
RXSHM_API int rxshm_ring_claim(rxshm_ring *r, uint32_t length, uint8_t **payload);
/** Producer: writes the record header and publishes the claimed record (4.3, steps 5-7). */
RXSHM_API int rxshm_ring_commit(rxshm_ring *r, uint32_t length);
/** Consumer: the next message record (4.4, 4.5), skipping padding; RXSHM_EMPTY or RXSHM_CORRUPT otherwise. */
RXSHM_API int rxshm_ring_poll(rxshm_ring *r, const uint8_t **payload, uint32_t *length);
/** Consumer: frees the record under the cursor (4.4, steps 6-7). */
RXSHM_API int rxshm_ring_release(rxshm_ring *r);
/** Parses and validates a frame (section 6, "Validation"; a Batch frame's entries too, not the producer's flags). */
RXSHM_API int rxshm_frame_parse(const uint8_t *bytes, uint32_t length, rxshm_frame *out, const char **problem);
/**
 * Checks a Batch frame's payload (section 6, "Batch frames"), reading each LENGTH once: `lengths` (room for
 * RXSHM_BATCH_MAX_ENTRIES) gets them, *count their number; entry i's message starts 8 bytes into entry i, and the
 * next entry (8 + lengths[i] + 7) & ~7 bytes after it. For tools and tests: rxshm_recv does this by itself.
 */
RXSHM_API int rxshm_batch_parse(const uint8_t *payload, uint32_t length, uint32_t *lengths, uint32_t *count,
                                const char **problem);
/** Writes a 16-byte frame header. */
RXSHM_API void rxshm_frame_header_write(uint8_t *at, uint8_t kind, uint16_t status, uint32_t correlation,
                                        uint32_t method);
/** Writes the 16-byte HELLO2 of process `pid` (section 5). */
RXSHM_API void rxshm_hello2_write(uint8_t out[16], uint32_t pid);
/** Writes the 16-byte REPLY with `status` and `client_id` (section 5). */
RXSHM_API void rxshm_reply_write(uint8_t out[16], uint8_t status, uint32_t client_id);
/** The doorbell's abstract address for `name` (section 5, "Names"): `out` gets the bytes, NUL first; -1 if bad. */
RXSHM_API int rxshm_address(const char *name, char out[108]);

/* ===================================================================================================================
 * 2. Implementation
 * =================================================================================================================*/
#ifdef RXSHM_IMPLEMENTATION
/* Public functions are described at their declarations in section 1, with the LAYOUT.md sections they implement. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if !defined(F_ADD_SEALS) || !defined(MFD_ALLOW_SEALING)
#error "rxshm.h needs _GNU_SOURCE: include rxshm.h before any system header, or compile with -D_GNU_SOURCE"
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rxshm supports little-endian hosts only (LAYOUT.md section 1)"
#endif

/* --- 2.1 Constants of the layout (sections 3, 4, 5) -------------------------------------------------------------*/
#define RXSHM__MAGIC 0x48535852u       /* "RXSH" */
#define RXSHM__HELLO 0x49485852u       /* "RXHI": the anonymous channel's hello */
#define RXSHM__HELLO2 0x32485852u      /* "RXH2" */
#define RXSHM__REPLY 0x4B4F5852u       /* "RXOK" */
#define RXSHM__HEADER 256u
#define RXSHM__RING_HEADER 128u
#define RXSHM__RECORD_HEADER 8u
#define RXSHM__HELLO_TIMEOUT_MS 2000
#define RXSHM__RECHECK_MIN_MS 50u
#define RXSHM__RECHECK_MAX_MS 1000u
#define RXSHM__SPINS 64 /* looks (each with sched_yield) before parking */
/* segment header */
#define RXSHM__O_VERSION 4
#define RXSHM__O_KIND 6
#define RXSHM__O_HEADER_LENGTH 8
#define RXSHM__O_RING_COUNT 12
#define RXSHM__O_SEGMENT_SIZE 16
#define RXSHM__O_MAX_MESSAGE 24
#define RXSHM__O_CREATOR_PID 28
#define RXSHM__O_TOKEN 32
#define RXSHM__O_GENERATION 64
#define RXSHM__O_SERVER_STATE 68
#define RXSHM__O_CLIENT_STATE 72
#define RXSHM__O_SERVER_PID 76
#define RXSHM__O_CLIENT_PID 80
#define RXSHM__O_CLOSE_FLAGS 84
#define RXSHM__O_RING_TABLE 128
/* ring header */
#define RXSHM__O_WRITE 0
#define RXSHM__O_PRODUCER_PARKED 4
#define RXSHM__O_PRODUCER_FLAGS 32
#define RXSHM__O_READ 64
#define RXSHM__O_CONSUMER_PARKED 68
#define RXSHM__O_CONSUMER_FLAGS 72
#define RXSHM__READS_BATCHES 1u /* CONSUMER_FLAGS bit 0 (4.1) */
/* CLOSE_FLAGS bits: closed (clean) and aborted, per side */
#define RXSHM__SERVER_CLOSED 1u
#define RXSHM__CLIENT_CLOSED 2u
#define RXSHM__SERVER_ABORTED 4u
#define RXSHM__CLIENT_ABORTED 8u

#ifdef RXSHM_STATIC
#define RXSHM__DEF static __attribute__((unused))
#else
#define RXSHM__DEF
#endif

/* --- 2.2 Little-endian fields, atomics, time (section 1) --------------------------------------------------------*/
/* Plain fields: memcpy (unaligned-safe); the host is little-endian. Shared u32 words: seq-cst atomics. */
static uint16_t rxshm__ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rxshm__ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rxshm__ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void rxshm__st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void rxshm__st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void rxshm__st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t rxshm__load(const uint8_t *p) {
  return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_SEQ_CST);
}
static void rxshm__store(uint8_t *p, uint32_t v) { __atomic_store_n((uint32_t *)(void *)p, v, __ATOMIC_SEQ_CST); }
static void rxshm__or(uint8_t *p, uint32_t v) { (void)__atomic_fetch_or((uint32_t *)(void *)p, v, __ATOMIC_SEQ_CST); }
/* Compare-exchange; returns the value seen (== expected on success). */
static uint32_t rxshm__cas(uint8_t *p, uint32_t expected, uint32_t desired) {
  __atomic_compare_exchange_n((uint32_t *)(void *)p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return expected;
}
/* Takes a parked flag 1 -> 0 (section 4.6): true when the caller must ring the peer. A load first: the CAS only
 * when the flag is set (still Dekker-safe: the caller stored its position before). */
static int rxshm__take(uint8_t *flag) { return rxshm__load(flag) == 1 && rxshm__cas(flag, 1, 0) == 1; }
static uint32_t rxshm__record_size(uint32_t length) { return (RXSHM__RECORD_HEADER + length + 7u) & ~7u; }

/* Milliseconds on the monotonic clock. */
static int64_t rxshm__now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
/* Deadline for a timeout (-1: never). */
static int64_t rxshm__deadline(int timeout_ms) { return timeout_ms < 0 ? -1 : rxshm__now_ms() + timeout_ms; }
/* Milliseconds left before `deadline`: -1 for none (forever), 0 once it passed. */
static int rxshm__left(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - rxshm__now_ms();
  return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* --- 2.3 Names and the doorbell address (section 5, "Names") ----------------------------------------------------*/
static uint32_t rxshm__ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* SHA-256 of `msg` (FIPS 180-4), for names too long for sun_path. */
static void rxshm__sha256(const uint8_t *msg, size_t len, uint8_t out[32]) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
      0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
      0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
      0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
      0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
      0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
      0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t blocks = (len + 9 + 63) / 64;
  for (size_t b = 0; b < blocks; b++) {
    uint8_t block[64];
    uint32_t w[64], v[8];
    for (size_t i = 0; i < 64; i++) {
      size_t at = b * 64 + i;
      block[i] = at < len ? msg[at] : at == len ? 0x80 : 0;
    }
    if (b == blocks - 1)
      for (int i = 0; i < 8; i++) block[63 - i] = (uint8_t)(((uint64_t)len * 8) >> (8 * i));
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
             block[4 * i + 3];
    for (int i = 16; i < 64; i++)
      w[i] = w[i - 16] + (rxshm__ror(w[i - 15], 7) ^ rxshm__ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
             (rxshm__ror(w[i - 2], 17) ^ rxshm__ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = v[7] + (rxshm__ror(v[4], 6) ^ rxshm__ror(v[4], 11) ^ rxshm__ror(v[4], 25)) +
                    ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
      uint32_t t2 = (rxshm__ror(v[0], 2) ^ rxshm__ror(v[0], 13) ^ rxshm__ror(v[0], 22)) +
                    ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
      memmove(v + 1, v, 7 * sizeof v[0]);
      v[4] += t1;
      v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) h[i] += v[i];
  }
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* True for a channel name rxshm accepts (section 5): 1..200 UTF-8 bytes, no '/', no C0/C1 control or DEL, no
 * UTF-16 surrogate, not "." or "..". */
static int rxshm__name_ok(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 200 || !strcmp(name, ".") || !strcmp(name, "..")) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i], d = (unsigned char)name[i + 1];
    if (c == '/' || c < 0x20 || c == 0x7f) return 0;
    if (c == 0xc2 && d >= 0x80 && d <= 0x9f) return 0; /* U+0080..U+009F */
    if (c == 0xed && d >= 0xa0 && d <= 0xbf) return 0; /* surrogates */
  }
  return 1;
}

RXSHM__DEF int rxshm_address(const char *name, char out[108]) {
  static const char hex[] = "0123456789abcdef";
  if (!rxshm__name_ok(name)) return -1;
  size_t n = strlen(name);
  memset(out, 0, 108);
  memcpy(out + 1, "rxshm.", 6);
  if (6 + n <= 106) {
    memcpy(out + 7, name, n);
    return (int)(7 + n);
  }
  uint8_t digest[32];
  rxshm__sha256((const uint8_t *)name, n, digest);
  out[7] = '#';
  for (int i = 0; i < 16; i++) {
    out[8 + 2 * i] = hex[digest[i] >> 4];
    out[9 + 2 * i] = hex[digest[i] & 15];
  }
  return 8 + 32;
}

RXSHM__DEF void rxshm_hello2_write(uint8_t out[16], uint32_t pid) {
  memset(out, 0, 16);
  rxshm__st32(out, RXSHM__HELLO2);
  rxshm__st32(out + 4, pid);
}

RXSHM__DEF void rxshm_reply_write(uint8_t out[16], uint8_t status, uint32_t client_id) {
  memset(out, 0, 16);
  rxshm__st32(out, RXSHM__REPLY);
  out[4] = status;
  rxshm__st32(out + 8, client_id);
}

/* Fills `addr` for `name` and returns the exact address length for bind/connect, or 0 for a bad name. */
static socklen_t rxshm__sockaddr(const char *name, struct sockaddr_un *addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  int n = rxshm_address(name, addr->sun_path);
  return n < 0 ? 0 : (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n);
}

/* --- 2.4 Segment header: create (3.1) and validate (3.3) --------------------------------------------------------*/
static int rxshm__capacity_ok(uint32_t c) { return c >= 1024 && c <= (1u << 30) && (c & (c - 1)) == 0; }

RXSHM__DEF int rxshm_segment_init(uint8_t *s, uint64_t size, uint32_t cap, uint32_t max_message, uint32_t pid,
                                  uint64_t token) {
  if (!rxshm__capacity_ok(cap) || max_message < 1 || max_message > cap - 8) return RXSHM_INVALID;
  if (size < RXSHM__HEADER + 2 * ((uint64_t)RXSHM__RING_HEADER + cap)) return RXSHM_INVALID;
  rxshm__st16(s + RXSHM__O_VERSION, 1);
  rxshm__st16(s + RXSHM__O_KIND, 1);
  rxshm__st32(s + RXSHM__O_HEADER_LENGTH, RXSHM__HEADER);
  rxshm__st32(s + RXSHM__O_RING_COUNT, 2);
  rxshm__st64(s + RXSHM__O_SEGMENT_SIZE, size);
  rxshm__st32(s + RXSHM__O_MAX_MESSAGE, max_message);
  rxshm__st32(s + RXSHM__O_CREATOR_PID, pid);
  rxshm__st64(s + RXSHM__O_TOKEN, token);
  for (uint32_t i = 0; i < 2; i++) {
    rxshm__st32(s + RXSHM__O_RING_TABLE + 16 * i, RXSHM__HEADER + i * (RXSHM__RING_HEADER + cap));
    rxshm__st32(s + RXSHM__O_RING_TABLE + 16 * i + 4, cap);
  }
  rxshm__store(s, RXSHM__MAGIC); /* published: an opener that reads MAGIC reads the whole header */
  return RXSHM_OK;
}

/* Checks ring-table entry `i` (3.3 step 8). */
static int rxshm__ring_entry(const uint8_t *s, uint64_t size, int i, uint32_t *offset, uint32_t *cap) {
  *offset = rxshm__ld32(s + RXSHM__O_RING_TABLE + 16 * i);
  *cap = rxshm__ld32(s + RXSHM__O_RING_TABLE + 16 * i + 4);
  return rxshm__capacity_ok(*cap) && *offset % 64 == 0 && *offset >= RXSHM__HEADER &&
         (uint64_t)*offset + RXSHM__RING_HEADER + *cap <= size;
}

RXSHM__DEF int rxshm_segment_validate(const uint8_t *s, uint64_t size, rxshm_layout *out, const char **problem) {
#define RXSHM__BAD(code) do { if (problem) *problem = code; return RXSHM_CORRUPT; } while (0)
  uint32_t o0, c0, o1, c1;
  if (size < RXSHM__HEADER) RXSHM__BAD("SizeMismatch");
  if (rxshm__load(s) != RXSHM__MAGIC) RXSHM__BAD("BadMagic");
  if (rxshm__ld16(s + RXSHM__O_VERSION) != 1) RXSHM__BAD("UnsupportedVersion");
  if (rxshm__ld16(s + RXSHM__O_KIND) != 1) RXSHM__BAD("WrongKind");
  if (rxshm__ld32(s + RXSHM__O_HEADER_LENGTH) != RXSHM__HEADER) RXSHM__BAD("BadHeaderLength");
  if (rxshm__ld64(s + RXSHM__O_SEGMENT_SIZE) != size) RXSHM__BAD("SizeMismatch");
  if (rxshm__ld32(s + RXSHM__O_RING_COUNT) != 2) RXSHM__BAD("BadRingTable");
  if (!rxshm__ring_entry(s, size, 0, &o0, &c0) || !rxshm__ring_entry(s, size, 1, &o1, &c1)) RXSHM__BAD("BadRingTable");
  if (c0 != c1) RXSHM__BAD("BadRingTable");
  if ((uint64_t)(o0 < o1 ? o0 : o1) + RXSHM__RING_HEADER + c0 > (o0 < o1 ? o1 : o0)) RXSHM__BAD("BadRingTable");
  uint32_t max_message = rxshm__ld32(s + RXSHM__O_MAX_MESSAGE);
  if (max_message < 1 || max_message > c0 - 8) RXSHM__BAD("BadMaxMessage");
#undef RXSHM__BAD
  if (out) {
    out->segment_size = size;
    out->token = rxshm__ld64(s + RXSHM__O_TOKEN);
    out->ring_capacity = c0;
    out->max_message = max_message;
    out->creator_pid = rxshm__ld32(s + RXSHM__O_CREATOR_PID);
    out->server_to_client = o0;
    out->client_to_server = o1;
  }
  return RXSHM_OK;
}

/* --- 2.5 Rings: producer (4.3), consumer (4.4, 4.5, 4.7), parked flags (4.6) ------------------------------------*/
RXSHM__DEF void rxshm_ring_attach(rxshm_ring *r, uint8_t *region, uint32_t cap, uint32_t max_message, int producer) {
  memset(r, 0, sizeof *r);
  r->header = region;
  r->data = region + RXSHM__RING_HEADER;
  r->capacity = cap;
  r->max_message = max_message;
  r->drop_oldest = -1;
  if (producer) {
    r->position = rxshm__load(region + RXSHM__O_WRITE);
    r->cached_read = rxshm__load(region + RXSHM__O_READ);
    rxshm__store(region + RXSHM__O_PRODUCER_FLAGS, 0); /* block: this producer never drops */
  } else {
    r->position = rxshm__load(region + RXSHM__O_READ);
  }
}

/* Producer: whether `n` bytes are free, reloading READ_POSITION if the cache says no; checks the positions. */
static int rxshm__ensure_free(rxshm_ring *r, uint32_t n) {
  uint32_t used = r->position - r->cached_read; /* both came from shared memory once: checked like any other */
  if (used <= r->capacity && !((r->position | r->cached_read) & 7) && r->capacity - used >= n) return RXSHM_OK;
  r->cached_read = rxshm__load(r->header + RXSHM__O_READ);
  used = r->position - r->cached_read;
  if (used > r->capacity) return r->problem = "PositionOutOfRange", RXSHM_CORRUPT;
  if ((r->position | r->cached_read) & 7) return r->problem = "MisalignedPosition", RXSHM_CORRUPT;
  if (r->capacity - used >= n) return RXSHM_OK;
  r->wanted = n;
  return RXSHM_FULL;
}

/* Producer: stores WRITE_POSITION (publishing everything before it), then takes CONSUMER_PARKED (4.3 step 7). */
static void rxshm__publish(rxshm_ring *r, uint32_t position) {
  r->position = position;
  rxshm__store(r->header + RXSHM__O_WRITE, position);
  if (rxshm__take(r->header + RXSHM__O_CONSUMER_PARKED)) r->bell = 1;
}

RXSHM__DEF int rxshm_ring_claim(rxshm_ring *r, uint32_t length, uint8_t **payload) {
  if (r->claiming || length > r->capacity - RXSHM__RECORD_HEADER) return RXSHM_INVALID;
  uint32_t size = rxshm__record_size(length), offset = r->position & (r->capacity - 1), to_end = r->capacity - offset;
  int rc;
  if (size > to_end) { /* not contiguous: padding to the end, published on its own (4.3 step 2) */
    if ((rc = rxshm__ensure_free(r, to_end)) != RXSHM_OK) return rc;
    rxshm__st32(r->data + offset, to_end - RXSHM__RECORD_HEADER);
    rxshm__st32(r->data + offset + 4, 0); /* TYPE 0, FLAGS 0 */
    rxshm__publish(r, r->position + to_end);
    offset = 0;
  }
  if ((rc = rxshm__ensure_free(r, size)) != RXSHM_OK) return rc;
  r->claiming = 1;
  r->claim_offset = offset;
  r->claim_length = length;
  *payload = r->data + offset + RXSHM__RECORD_HEADER;
  return RXSHM_OK;
}

RXSHM__DEF int rxshm_ring_commit(rxshm_ring *r, uint32_t length) {
  if (!r->claiming || length > r->claim_length) return RXSHM_INVALID;
  uint8_t *at = r->data + r->claim_offset;
  rxshm__st32(at, length);
  rxshm__st16(at + 4, 1); /* TYPE message */
  rxshm__st16(at + 6, 0);
  r->claiming = 0; /* the advisory counters (4.8) are left alone, as rxshm's own producer leaves them */
  rxshm__publish(r, r->position + rxshm__record_size(length));
  return RXSHM_OK;
}

/* Consumer: the record check of 4.5 for the record at `offset`; NULL when it is well-formed. */
static const char *rxshm__record_problem(const rxshm_ring *r, uint32_t offset, uint32_t length, uint16_t type,
                                         uint32_t used) {
  if (type == 0)
    return (uint64_t)offset + RXSHM__RECORD_HEADER + length != r->capacity || r->capacity - offset > used
               ? "BadPadding" : NULL;
  if (type != 1) return "UnknownRecordType";
  if (length > r->max_message) return "MessageTooLarge";
  uint32_t size = rxshm__record_size(length); /* no overflow: length <= MAX_MESSAGE < 2^30 */
  if (size > used) return "LengthOutOfRange";
  if (offset + size > r->capacity) return "RecordCrossesEnd";
  return NULL;
}

/* Consumer: moves READ_POSITION to `next` (a CAS under drop-oldest: 0 when the producer moved it first). */
static int rxshm__advance(rxshm_ring *r, uint32_t next) {
  if (r->drop_oldest != 1) {
    rxshm__store(r->header + RXSHM__O_READ, next);
    r->position = next;
  } else {
    uint32_t seen = rxshm__cas(r->header + RXSHM__O_READ, r->position, next);
    int ok = seen == r->position;
    r->position = ok ? next : seen;
    if (!ok) return 0;
  }
  if (rxshm__take(r->header + RXSHM__O_PRODUCER_PARKED)) r->bell = 1; /* room freed: wake a waiting producer */
  return 1;
}

RXSHM__DEF int rxshm_ring_poll(rxshm_ring *r, const uint8_t **payload, uint32_t *length) {
  if (r->holding) return RXSHM_INVALID;
  if (r->drop_oldest < 0) { /* decided once a record is visible: the producer sets its flags before publishing */
    if (rxshm__load(r->header + RXSHM__O_WRITE) == r->position) return RXSHM_EMPTY;
    r->drop_oldest = (int)(rxshm__load(r->header + RXSHM__O_PRODUCER_FLAGS) & 1);
  }
  for (int tries = 0; tries < 1000; tries++) { /* a dropping producer may move READ_POSITION under us: re-read */
    if (r->drop_oldest) r->position = rxshm__load(r->header + RXSHM__O_READ);
    uint32_t read = r->position, write = rxshm__load(r->header + RXSHM__O_WRITE), used = write - read;
    const char *bad = used > r->capacity ? "PositionOutOfRange" : (write | read) & 7 ? "MisalignedPosition" : NULL;
    uint32_t offset = read & (r->capacity - 1), len = 0;
    uint16_t type = 0;
    if (!bad && used == 0) return RXSHM_EMPTY;
    if (!bad) {
      len = rxshm__ld32(r->data + offset);
      type = rxshm__ld16(r->data + offset + 4);
      bad = rxshm__record_problem(r, offset, len, type, used);
    }
    if (bad) {
      if (r->drop_oldest && rxshm__load(r->header + RXSHM__O_READ) != read) continue;
      r->problem = bad;
      return RXSHM_CORRUPT;
    }
    if (type == 0) { /* padding: skip to the end of the data area */
      rxshm__advance(r, read + (r->capacity - offset));
      continue;
    }
    r->holding = 1;
    r->cursor_next = read + rxshm__record_size(len);
    *payload = r->data + offset + RXSHM__RECORD_HEADER;
    *length = len;
    return RXSHM_OK;
  }
  r->problem = "PositionOutOfRange";
  return RXSHM_CORRUPT;
}

RXSHM__DEF int rxshm_ring_release(rxshm_ring *r) {
  if (!r->holding) return RXSHM_INVALID;
  r->holding = 0;
  return rxshm__advance(r, r->cursor_next) ? RXSHM_OK : RXSHM_DROPPED;
}

/* --- 2.6 Frames (section 6) -------------------------------------------------------------------------------------*/
RXSHM__DEF void rxshm_frame_header_write(uint8_t *at, uint8_t kind, uint16_t status, uint32_t correlation,
                                         uint32_t method) {
  at[0] = kind;
  at[1] = 0;
  rxshm__st16(at + 2, status);
  rxshm__st32(at + 4, correlation);
  rxshm__st32(at + 8, method);
  rxshm__st32(at + 12, 0);
}

/* True for valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static int rxshm__utf8_ok(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n;) {
    uint8_t c = p[i];
    uint32_t extra = c < 0x80                 ? 0 /* the bytes that follow a lead byte; 4: not a lead byte */
                     : c >= 0xc2 && c <= 0xdf ? 1
                     : c >= 0xe0 && c <= 0xef ? 2
                     : c >= 0xf0 && c <= 0xf4 ? 3
                                              : 4;
    if (extra == 4 || extra > n - i - 1) return 0;
    for (uint32_t k = 1; k <= extra; k++)
      if ((p[i + k] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) || (c == 0xf0 && p[i + 1] < 0x90) ||
        (c == 0xf4 && p[i + 1] > 0x8f))
      return 0; /* overlong, surrogate, beyond U+10FFFF */
    i += extra + 1;
  }
  return 1;
}

/* The first rule a Batch payload breaks (section 6, "Batch frames"), or NULL; each LENGTH is read once, into
 * lengths[] when given (a receiver delivers from those: the producer may rewrite the bytes meanwhile). */
static const char *rxshm__batch_problem(const uint8_t *p, uint32_t n, uint32_t *lengths, uint32_t *count) {
  uint64_t at = 0; /* 64 bits: an entry's padding may end past a payload near 2^32 */
  uint32_t entries = 0;
  if (n == 0) return "batch-empty";
  for (; at < n; entries++) {
    if (entries == RXSHM_BATCH_MAX_ENTRIES) return "batch-too-many-entries";
    if (n - at < 8) return "batch-entry-cut";
    uint32_t len = rxshm__ld32(p + at);
    if (len > n - at - 8) return "batch-entry-too-long";
    if (lengths) lengths[entries] = len;
    at += ((uint64_t)len + 8 + 7) & ~(uint64_t)7;
  }
  if (at != n) return "batch-padding-cut";
  if (count) *count = entries;
  return NULL;
}

RXSHM__DEF int rxshm_batch_parse(const uint8_t *payload, uint32_t length, uint32_t *lengths, uint32_t *count,
                                 const char **problem) {
  const char *bad = rxshm__batch_problem(payload, length, lengths, count);
  if (bad && problem) *problem = bad;
  return bad ? RXSHM_CORRUPT : RXSHM_OK;
}

/* rxshm_frame_parse, storing a Batch frame's entry lengths and count when `lengths` is given. */
static int rxshm__frame_parse(const uint8_t *b, uint32_t length, rxshm_frame *f, const char **problem,
                              uint32_t *lengths, uint32_t *count) {
#define RXSHM__BAD(what) do { if (problem) *problem = what; return RXSHM_CORRUPT; } while (0)
  if (length < RXSHM_FRAME_HEADER_LENGTH) RXSHM__BAD("short");
  f->kind = b[0];
  f->flags = b[1];
  f->status = rxshm__ld16(b + 2);
  f->correlation = rxshm__ld32(b + 4);
  f->method = rxshm__ld32(b + 8);
  f->payload = b + RXSHM_FRAME_HEADER_LENGTH;
  f->length = length - RXSHM_FRAME_HEADER_LENGTH;
  /* the rules of section 6, "Validation", in its order; the names are test/vectors' */
  if (f->kind < RXSHM_DATA || f->kind > RXSHM_BATCH) RXSHM__BAD("unknown-kind");
  if ((f->kind == RXSHM_DATA || f->kind == RXSHM_CLOSE || f->kind == RXSHM_BATCH) && f->correlation)
    RXSHM__BAD("correlation-not-zero");
  if (f->kind != RXSHM_REQUEST && f->method) RXSHM__BAD("method-not-request");
  if (f->kind != RXSHM_ERROR && f->status) RXSHM__BAD("status-not-error");
  if (f->kind == RXSHM_ERROR && !f->status) RXSHM__BAD("error-status-zero");
  if (f->kind >= RXSHM_LIVENESS_CHECK && f->kind <= RXSHM_CANCEL && f->length) RXSHM__BAD("payload-not-empty");
  if (f->kind == RXSHM_ERROR && !rxshm__utf8_ok(f->payload, f->length)) RXSHM__BAD("error-bad-utf8");
  const char *bad = f->kind == RXSHM_BATCH ? rxshm__batch_problem(f->payload, f->length, lengths, count) : NULL;
  if (bad) RXSHM__BAD(bad);
#undef RXSHM__BAD
  return RXSHM_OK;
}

RXSHM__DEF int rxshm_frame_parse(const uint8_t *b, uint32_t length, rxshm_frame *f, const char **problem) {
  return rxshm__frame_parse(b, length, f, problem, NULL, NULL);
}

/* --- 2.7 Doorbell: bells, the peer's end, waiting (sections 4.6 and 5) ------------------------------------------*/
/* Rings the peer: one byte, never blocking (a full socket already holds bells; a lost one costs latency only). */
static void rxshm__ring_bell(rxshm_channel *ch) {
  static const uint8_t bell = 1;
  if (!ch->peer_gone) (void)send(ch->fd, &bell, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Rings the peer if a ring operation took its parked flag. */
static void rxshm__bells(rxshm_channel *ch) {
  if (ch->tx.bell || ch->rx.bell) rxshm__ring_bell(ch);
  ch->tx.bell = ch->rx.bell = 0;
}

/* Reads every bell waiting on the doorbell; end-of-file or an error means the peer is gone. */
static void rxshm__read_bells(rxshm_channel *ch) {
  uint8_t buf[64];
  for (;;) {
    ssize_t n = recv(ch->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) ch->peer_gone = 1;
    return;
  }
}

/* This side's CLOSE_FLAGS bit: closed (clean) or aborted (section 5, "Close and death"). */
static uint32_t rxshm__own_bit(const rxshm_channel *ch, int aborted) {
  return ch->is_server ? (aborted ? RXSHM__SERVER_ABORTED : RXSHM__SERVER_CLOSED)
                       : (aborted ? RXSHM__CLIENT_ABORTED : RXSHM__CLIENT_CLOSED);
}
/* How the gone peer left (section 5, "Close and death"), once its ring is drained. */
static int rxshm__peer_end(rxshm_channel *ch) {
  uint32_t flags = rxshm__load(ch->segment + RXSHM__O_CLOSE_FLAGS);
  uint32_t closed = ch->is_server ? RXSHM__CLIENT_CLOSED : RXSHM__SERVER_CLOSED;
  uint32_t aborted = ch->is_server ? RXSHM__CLIENT_ABORTED : RXSHM__SERVER_ABORTED;
  if ((flags & aborted) && !ch->close_received) return RXSHM_PEER_ABORTED;
  if (ch->close_received || (flags & closed)) return RXSHM_CLOSED;
  return RXSHM_PEER_EXITED;
}

/* The channel is corrupt: set the aborted bit and shut the doorbell, so the peer learns it too (section 5). */
static int rxshm__fail(rxshm_channel *ch, const char *problem) {
  if (!ch->ended) {
    ch->ended = RXSHM_CORRUPT;
    ch->problem = problem;
    rxshm__or(ch->segment + RXSHM__O_CLOSE_FLAGS, rxshm__own_bit(ch, 1));
    shutdown(ch->fd, SHUT_RDWR);
  }
  return ch->ended;
}

/* Whether the ring has something to read (padding included: polling frees it). */
static int rxshm__has_data(const rxshm_ring *r) {
  uint32_t read = r->drop_oldest == 1 ? rxshm__load(r->header + RXSHM__O_READ) : r->position;
  return rxshm__load(r->header + RXSHM__O_WRITE) != read;
}

RXSHM__DEF int rxshm_park(rxshm_channel *ch, int events) {
  if (ch->ended || ch->peer_gone) return 1;
  /* Park (4.6): announce, then re-check; the peer takes the flag after publishing and rings. */
  if (events & RXSHM_WAIT_DATA) rxshm__store(ch->rx.header + RXSHM__O_CONSUMER_PARKED, 1);
  if (events & RXSHM_WAIT_ROOM) rxshm__store(ch->tx.header + RXSHM__O_PRODUCER_PARKED, 1);
  return ((events & RXSHM_WAIT_DATA) && rxshm__has_data(&ch->rx)) ||
         ((events & RXSHM_WAIT_ROOM) && rxshm__ensure_free(&ch->tx, ch->tx.wanted) != RXSHM_FULL);
}

RXSHM__DEF void rxshm_unpark(rxshm_channel *ch) {
  rxshm__store(ch->rx.header + RXSHM__O_CONSUMER_PARKED, 0); /* only this side ever sets these two to 1 */
  rxshm__store(ch->tx.header + RXSHM__O_PRODUCER_PARKED, 0);
  if (!ch->peer_gone) rxshm__read_bells(ch);
}

RXSHM__DEF int rxshm_wait(rxshm_channel *ch, int events, int timeout_ms) {
  if (ch->ended) return ch->ended;
  int result = RXSHM_OK;
  if (!rxshm_park(ch, events)) {
    /* Parking is bounded (section 5): the flag is in shared memory, so a bell may be lost or forged. */
    int ms = timeout_ms < 0 || (uint32_t)timeout_ms > ch->recheck_ms ? (int)ch->recheck_ms : timeout_ms;
    struct pollfd p = {.fd = ch->fd, .events = POLLIN};
    int n = poll(&p, 1, ms);
    if (n == 0 && ch->recheck_ms < RXSHM__RECHECK_MAX_MS) ch->recheck_ms *= 2;
    if (n == 0 && ms == timeout_ms) result = RXSHM_TIMEOUT;
  }
  rxshm_unpark(ch);
  return result;
}

/* Waits as a blocking call does: a few looks (yielding the CPU to the peer), then parks. RXSHM_TIMEOUT at the
 * deadline. `spins` counts this call's looks. */
static int rxshm__wait_until(rxshm_channel *ch, int events, int64_t deadline, int *spins) {
  int left = rxshm__left(deadline);
  if (left == 0) return RXSHM_TIMEOUT;
  if ((*spins)++ < RXSHM__SPINS) {
    if (!ch->peer_gone) rxshm__read_bells(ch); /* notice the peer's end while spinning too */
    sched_yield();
    return RXSHM_OK;
  }
  int rc = rxshm_wait(ch, events, left);
  return rc == RXSHM_TIMEOUT && rxshm__left(deadline) != 0 ? RXSHM_OK : rc;
}

/* --- 2.8 Sending and receiving frames (sections 4 and 6) --------------------------------------------------------*/
/* Claims room for a frame of `length` payload bytes, waiting for room until the deadline; returns the frame's start. */
static int rxshm__claim_frame(rxshm_channel *ch, uint32_t length, uint8_t **frame, int timeout_ms) {
  if (ch->ended) return ch->ended;
  if (ch->close_sent) return RXSHM_CLOSED;
  if (length > ch->max_message) return RXSHM_TOO_LARGE;
  if (ch->tx.claiming) return RXSHM_INVALID;
  int64_t deadline = rxshm__deadline(timeout_ms);
  for (int spins = 0;;) {
    if (ch->peer_gone) return rxshm__peer_end(ch);
    int rc = rxshm_ring_claim(&ch->tx, RXSHM_FRAME_HEADER_LENGTH + length, frame);
    rxshm__bells(ch); /* a padding record may have been published */
    if (rc == RXSHM_OK) {
      ch->recheck_ms = RXSHM__RECHECK_MIN_MS;
      return RXSHM_OK;
    }
    if (rc == RXSHM_CORRUPT) return rxshm__fail(ch, ch->tx.problem);
    if ((rc = rxshm__wait_until(ch, RXSHM_WAIT_ROOM, deadline, &spins)) != RXSHM_OK) return rc;
  }
}

RXSHM__DEF int rxshm_send_frame(rxshm_channel *ch, uint8_t kind, uint16_t status, uint32_t correlation,
                                uint32_t method, const void *payload, uint32_t length, int timeout_ms) {
  uint8_t *frame;
  if (length && !payload) return RXSHM_INVALID;
  int rc = rxshm__claim_frame(ch, length, &frame, timeout_ms);
  if (rc != RXSHM_OK) return rc;
  rxshm_frame_header_write(frame, kind, status, correlation, method);
  if (length) memcpy(frame + RXSHM_FRAME_HEADER_LENGTH, payload, length);
  rxshm_ring_commit(&ch->tx, RXSHM_FRAME_HEADER_LENGTH + length);
  rxshm__bells(ch);
  return RXSHM_OK;
}

RXSHM__DEF int rxshm_send(rxshm_channel *ch, const void *payload, uint32_t length, int timeout_ms) {
  return rxshm_send_frame(ch, RXSHM_DATA, 0, 0, 0, payload, length, timeout_ms);
}

RXSHM__DEF int rxshm_claim(rxshm_channel *ch, uint32_t length, uint8_t **payload, int timeout_ms) {
  uint8_t *frame;
  int rc = rxshm__claim_frame(ch, length, &frame, timeout_ms);
  if (rc != RXSHM_OK) return rc;
  rxshm_frame_header_write(frame, RXSHM_DATA, 0, 0, 0);
  *payload = frame + RXSHM_FRAME_HEADER_LENGTH;
  return RXSHM_OK;
}

RXSHM__DEF int rxshm_commit(rxshm_channel *ch, uint32_t length) {
  if (!ch->tx.claiming || length > ch->tx.claim_length - RXSHM_FRAME_HEADER_LENGTH) return RXSHM_INVALID;
  rxshm_ring_commit(&ch->tx, RXSHM_FRAME_HEADER_LENGTH + length);
  rxshm__bells(ch);
  return RXSHM_OK;
}

/* A fresh correlation id for a Request or LivenessCheck (never 0). */
static uint32_t rxshm__correlation(rxshm_channel *ch) {
  if (++ch->next_correlation == 0) ch->next_correlation = 1;
  return ch->next_correlation;
}

RXSHM__DEF int rxshm_request(rxshm_channel *ch, uint32_t method, const void *payload, uint32_t length,
                             uint32_t *correlation, int timeout_ms) {
  uint32_t id = rxshm__correlation(ch);
  int rc = rxshm_send_frame(ch, RXSHM_REQUEST, 0, id, method, payload, length, timeout_ms);
  if (rc == RXSHM_OK && correlation) *correlation = id;
  return rc;
}

RXSHM__DEF int rxshm_respond(rxshm_channel *ch, uint32_t correlation, const void *payload, uint32_t length,
                             int timeout_ms) {
  return rxshm_send_frame(ch, RXSHM_RESPONSE, 0, correlation, 0, payload, length, timeout_ms);
}

RXSHM__DEF int rxshm_respond_error(rxshm_channel *ch, uint32_t correlation, uint16_t status, const char *message,
                                   int timeout_ms) {
  uint32_t n = message ? (uint32_t)strlen(message) : 0;
  if (status == 0 || !rxshm__utf8_ok((const uint8_t *)message, n)) return RXSHM_INVALID;
  return rxshm_send_frame(ch, RXSHM_ERROR, status, correlation, 0, message, n, timeout_ms);
}

RXSHM__DEF int rxshm_check_liveness(rxshm_channel *ch, uint32_t *correlation, int timeout_ms) {
  uint32_t id = rxshm__correlation(ch);
  int rc = rxshm_send_frame(ch, RXSHM_LIVENESS_CHECK, 0, id, 0, NULL, 0, timeout_ms);
  if (rc == RXSHM_OK && correlation) *correlation = id;
  return rc;
}

RXSHM__DEF int rxshm_release(rxshm_channel *ch) {
  if (ch->batch_next < ch->batch_count) return RXSHM_OK; /* entries left: the Batch record stays held */
  ch->batch_count = ch->batch_next = 0;
  if (!ch->rx.holding) return RXSHM_OK;
  int rc = rxshm_ring_release(&ch->rx);
  rxshm__bells(ch);
  return rc;
}

RXSHM__DEF int rxshm_recv(rxshm_channel *ch, rxshm_frame *frame, int timeout_ms) {
  rxshm_release(ch);
  int64_t deadline = rxshm__deadline(timeout_ms);
  for (int spins = 0;;) {
    if (ch->ended) return ch->ended;
    if (ch->close_received) return RXSHM_CLOSED;
    if (ch->batch_next < ch->batch_count) { /* the held Batch frame's next message, from the lengths checked */
      uint32_t len = ch->batch_lengths[ch->batch_next++];
      memset(frame, 0, sizeof *frame);
      frame->kind = RXSHM_DATA;
      frame->payload = ch->batch_payload + ch->batch_at + 8;
      frame->length = len;
      ch->batch_at += rxshm__record_size(len); /* an entry is sized as a record: (8 + LENGTH + 7) & ~7 */
      return RXSHM_OK;
    }
    int gone = ch->peer_gone; /* read before polling: a peer gone now has committed everything it ever will */
    const uint8_t *bytes;
    uint32_t length;
    const char *problem;
    int rc = rxshm_ring_poll(&ch->rx, &bytes, &length);
    rxshm__bells(ch); /* skipped padding frees room too */
    if (rc == RXSHM_CORRUPT) return rxshm__fail(ch, ch->rx.problem);
    if (rc == RXSHM_OK) {
      ch->recheck_ms = RXSHM__RECHECK_MIN_MS;
      uint32_t count = 0;
      rc = rxshm__frame_parse(bytes, length, frame, &problem, ch->batch_lengths, &count);
      if (rc == RXSHM_OK && frame->kind == RXSHM_BATCH && !ch->batch_lengths) { /* the first: room for lengths */
        if (!(ch->batch_lengths = malloc(RXSHM_BATCH_MAX_ENTRIES * sizeof *ch->batch_lengths))) {
          ch->problem = "no memory for a Batch frame";
          rxshm__or(ch->segment + RXSHM__O_CLOSE_FLAGS, rxshm__own_bit(ch, 1)); /* its messages are lost */
          shutdown(ch->fd, SHUT_RDWR);
          return ch->ended = RXSHM_SYSTEM;
        }
        rc = rxshm__frame_parse(bytes, length, frame, &problem, ch->batch_lengths, &count);
      }
      /* A dropping producer never packs (a record dropped mid-batch would be half delivered). */
      if (rc == RXSHM_OK && frame->kind == RXSHM_BATCH && ch->rx.drop_oldest == 1)
        rc = RXSHM_CORRUPT, problem = "batch-from-drop-oldest";
      if (rc != RXSHM_OK) {
        if (rxshm_release(ch) == RXSHM_DROPPED) continue; /* torn by a dropping producer, not malformed */
        return rxshm__fail(ch, problem);
      }
      if (frame->kind == RXSHM_BATCH) { /* checked whole: deliver its messages from the top of the loop */
        ch->batches_received++;
        ch->batch_payload = frame->payload;
        ch->batch_count = count;
        ch->batch_next = ch->batch_at = 0;
        continue;
      }
      if (frame->kind == RXSHM_LIVENESS_CHECK || frame->kind == RXSHM_CLOSE) {
        uint32_t correlation = frame->correlation;
        if (rxshm_release(ch) == RXSHM_DROPPED) continue;
        if (frame->kind == RXSHM_CLOSE) {
          ch->close_received = 1;
          return RXSHM_CLOSED;
        }
        /* Owed to the peer: wait for room even under a short timeout, but boundedly (a peer that frees nothing
         * for a second is not alive in any useful sense, and its check then fails, as it should). */
        int wait_ms = timeout_ms < 0 ? -1 : rxshm__left(deadline) > 1000 ? rxshm__left(deadline) : 1000;
        if (!ch->close_sent && rxshm_send_frame(ch, RXSHM_ALIVE, 0, correlation, 0, NULL, 0, wait_ms) == RXSHM_OK)
          ch->checks_answered++;
        continue;
      }
      return RXSHM_OK;
    }
    if (gone) return ch->ended = rxshm__peer_end(ch); /* drained: how did it leave? */
    if ((rc = rxshm__wait_until(ch, RXSHM_WAIT_DATA, deadline, &spins)) != RXSHM_OK) return rc;
  }
}

RXSHM__DEF int rxshm_close(rxshm_channel *ch, int timeout_ms) {
  if (ch->close_sent) return RXSHM_OK;
  if (ch->tx.claiming) return RXSHM_INVALID;
  int rc = rxshm_send_frame(ch, RXSHM_CLOSE, 0, 0, 0, NULL, 0, timeout_ms);
  if (rc != RXSHM_OK) return rc;
  ch->close_sent = 1;
  rxshm__or(ch->segment + RXSHM__O_CLOSE_FLAGS, rxshm__own_bit(ch, 0)); /* after Close: nothing was lost */
  return RXSHM_OK;
}

RXSHM__DEF void rxshm_free(rxshm_channel *ch) {
  free(ch->batch_lengths);
  ch->batch_lengths = NULL;
  ch->batch_count = ch->batch_next = 0;
  if (ch->fd >= 0) close(ch->fd);
  if (ch->segment) munmap(ch->segment, ch->segment_size);
  if (ch->server && ch->slot >= 0 && ch->slot < RXSHM_MAX_CLIENTS) ch->server->taken[ch->slot] = 0;
  ch->fd = -1;
  ch->segment = NULL;
  ch->server = NULL;
}

RXSHM__DEF const char *rxshm_strerror(int result) {
  switch (result) {
  case RXSHM_OK: return "ok";
  case RXSHM_TIMEOUT: return "timed out";
  case RXSHM_CLOSED: return "closed";
  case RXSHM_PEER_EXITED: return "the peer exited without closing";
  case RXSHM_PEER_ABORTED: return "the peer aborted";
  case RXSHM_CORRUPT: return "the channel is corrupt";
  case RXSHM_REFUSED: return "refused";
  case RXSHM_BUSY: return "the server is busy";
  case RXSHM_TOO_LARGE: return "message too large";
  case RXSHM_INVALID: return "invalid argument or state";
  case RXSHM_SYSTEM: return "system call failed (see errno)";
  case RXSHM_FULL: return "ring full";
  case RXSHM_EMPTY: return "ring empty";
  case RXSHM_DROPPED: return "dropped by the producer";
  default: return "unknown result";
  }
}

/* --- 2.9 Handshake: the client (section 5, "Handshake (client)") ------------------------------------------------*/
/* Sets up `ch` over a mapped, validated segment: this side's rings and facts. */
static void rxshm__attach(rxshm_channel *ch, int fd, uint8_t *segment, size_t size, const rxshm_layout *l,
                          int is_server) {
  memset(ch, 0, sizeof *ch);
  ch->fd = fd;
  ch->segment = segment;
  ch->segment_size = size;
  ch->is_server = is_server;
  ch->slot = -1;
  ch->max_message = l->max_message - RXSHM_FRAME_HEADER_LENGTH;
  ch->recheck_ms = RXSHM__RECHECK_MIN_MS;
  ch->generation = rxshm__load(segment + RXSHM__O_GENERATION);
  /* ring 0 carries server-to-client, ring 1 client-to-server */
  rxshm_ring_attach(&ch->tx, segment + (is_server ? l->server_to_client : l->client_to_server), l->ring_capacity,
                    l->max_message, 1);
  rxshm_ring_attach(&ch->rx, segment + (is_server ? l->client_to_server : l->server_to_client), l->ring_capacity,
                    l->max_message, 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); /* from now on the socket carries bells only */
  /* Every channel path attaches here (after any ring reset): announce that this consumer reads Batch frames (4.1). */
  rxshm__or(ch->rx.header + RXSHM__O_CONSUMER_FLAGS, RXSHM__READS_BATCHES);
}

/* Receives the 16-byte REPLY and at most one descriptor (*memfd, or -1) until the deadline. */
static int rxshm__recv_reply(int fd, uint8_t reply[16], int *memfd, int64_t deadline) {
  union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
  struct iovec iov = {.iov_base = reply, .iov_len = 16};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  struct pollfd p = {.fd = fd, .events = POLLIN};
  *memfd = -1;
  int n = poll(&p, 1, rxshm__left(deadline));
  if (n == 0) return RXSHM_TIMEOUT;
  ssize_t got = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  int fds = 0, bad = (msg.msg_flags & MSG_CTRUNC) != 0;
  for (struct cmsghdr *c = got >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) { bad = 1; continue; }
    for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, fds++) {
      int received;
      memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (*memfd < 0) *memfd = received; else close(received);
    }
  }
  if (bad || fds > 1) { /* refuse a malformed message: close every descriptor it brought */
    if (*memfd >= 0) close(*memfd);
    *memfd = -1;
    return RXSHM_REFUSED;
  }
  if (got != 16) { /* the server closed before answering (e.g. it is closing): worth a retry */
    if (*memfd >= 0) close(*memfd);
    *memfd = -1;
    return RXSHM_BUSY;
  }
  return RXSHM_OK;
}

/* Checks a received segment's seals, maps it and validates its header (section 5, client step 5). Takes `memfd`:
 * it is closed whatever happens (the mapping keeps the memory). */
static int rxshm__map_sealed(rxshm_channel *ch, int memfd, uint8_t **segment, size_t *size, rxshm_layout *layout) {
  const int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
  struct stat st;
  const char *problem = "NotSealed";
  int seals = fcntl(memfd, F_GET_SEALS);
  if (seals < 0 || (seals & required) != required) return close(memfd), ch->problem = problem, RXSHM_REFUSED;
  if (fstat(memfd, &st) != 0 || st.st_size < (off_t)RXSHM__HEADER || (uint64_t)st.st_size > SIZE_MAX)
    return close(memfd), ch->problem = "SizeMismatch", RXSHM_CORRUPT;
  *size = (size_t)st.st_size;
  *segment = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  close(memfd);
  if (*segment == MAP_FAILED) return RXSHM_SYSTEM;
  int rc = rxshm_segment_validate(*segment, *size, layout, &problem);
  if (rc == RXSHM_OK && layout->max_message <= RXSHM_FRAME_HEADER_LENGTH) rc = RXSHM_CORRUPT, problem = "BadMaxMessage";
  if (rc != RXSHM_OK) {
    munmap(*segment, *size);
    ch->problem = problem;
  }
  return rc;
}

/* Maps the segment a server sent and attaches this side as the client; SERVER_PID must be the listener's pid. */
static int rxshm__map_received(rxshm_channel *ch, int fd, int memfd, pid_t server_pid) {
  uint8_t *segment;
  size_t size;
  rxshm_layout layout;
  int rc = rxshm__map_sealed(ch, memfd, &segment, &size, &layout);
  if (rc != RXSHM_OK) return rc;
  if (rxshm__load(segment + RXSHM__O_SERVER_PID) != (uint32_t)server_pid) {
    munmap(segment, size);
    ch->problem = "the segment names another server pid";
    return RXSHM_REFUSED;
  }
  rxshm__attach(ch, fd, segment, size, &layout, 0);
  return RXSHM_OK;
}

/* One attempt to join: RXSHM_OK, a final failure, or RXSHM_BUSY / RXSHM_TIMEOUT (retry while time is left). */
static int rxshm__join_once(rxshm_channel *ch, const struct sockaddr_un *addr, socklen_t len, int64_t deadline) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return RXSHM_SYSTEM;
  if (connect(fd, (const struct sockaddr *)addr, len) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return e == ECONNREFUSED || e == EAGAIN || e == ENOENT ? RXSHM_TIMEOUT : RXSHM_SYSTEM;
  }
  struct ucred cred;
  socklen_t credlen = sizeof cred;
  /* Before sending anything: the listener must be this user (the kernel's word). */
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0 || cred.uid != geteuid()) {
    close(fd);
    ch->problem = "the doorbell is held by another user";
    return RXSHM_REFUSED;
  }
  uint8_t hello[16], reply[16];
  rxshm_hello2_write(hello, (uint32_t)getpid());
  int memfd, rc;
  if (send(fd, hello, sizeof hello, MSG_NOSIGNAL) != (ssize_t)sizeof hello) return close(fd), RXSHM_BUSY;
  if ((rc = rxshm__recv_reply(fd, reply, &memfd, deadline)) != RXSHM_OK) return close(fd), rc;
  uint8_t status = reply[4];
  if (status != 0 && memfd >= 0) close(memfd), memfd = -1; /* a refusal carries nothing we keep */
  if (rxshm__ld32(reply) != RXSHM__REPLY || (status == 0 && memfd < 0)) {
    if (memfd >= 0) close(memfd);
    close(fd);
    ch->problem = "malformed reply";
    return RXSHM_REFUSED;
  }
  if (status != 0) {
    close(fd);
    ch->problem = status == 1 ? "busy" : status == 4 ? "the server is closing" : "the server refused";
    return status == 1 || status == 4 ? RXSHM_BUSY : RXSHM_REFUSED;
  }
  if ((rc = rxshm__map_received(ch, fd, memfd, cred.pid)) != RXSHM_OK) return close(fd), rc;
  ch->client_id = rxshm__ld32(reply + 8);
  ch->peer_pid = (uint32_t)cred.pid;
  return RXSHM_OK;
}

RXSHM__DEF int rxshm_connect(rxshm_channel *ch, const char *name, int timeout_ms) {
  struct sockaddr_un addr;
  socklen_t len = rxshm__sockaddr(name, &addr);
  memset(ch, 0, sizeof *ch);
  ch->fd = -1;
  if (len == 0) return RXSHM_INVALID;
  int64_t deadline = rxshm__deadline(timeout_ms);
  for (;;) {
    int rc = rxshm__join_once(ch, &addr, len, deadline);
    if (rc != RXSHM_BUSY && rc != RXSHM_TIMEOUT) return rc;
    if (rxshm__left(deadline) == 0) return rc;
    struct timespec pause = {0, 10 * 1000 * 1000}; /* nobody listens yet, or every slot is taken: retry */
    nanosleep(&pause, NULL);
  }
}

/* --- 2.10 An anonymous channel: two descriptors handed over (section 5, "An anonymous channel") ----------------*/
/* Sends HELLO with the segment's TOKEN and reads the one status byte; bytes after it are bells. */
static int rxshm__hello_anonymous(rxshm_channel *ch, int fd, uint64_t token, int64_t deadline) {
  uint8_t hello[16], status = 0;
  size_t sent = 0;
  rxshm__st32(hello, RXSHM__HELLO);
  rxshm__st32(hello + 4, (uint32_t)getpid());
  rxshm__st64(hello + 8, token);
  for (;;) {
    struct pollfd p = {.fd = fd, .events = (short)(sent < sizeof hello ? POLLOUT : POLLIN)};
    ssize_t n = sent < sizeof hello ? send(fd, hello + sent, sizeof hello - sent, MSG_NOSIGNAL | MSG_DONTWAIT)
                                    : recv(fd, &status, 1, MSG_DONTWAIT);
    if (n > 0 && sent < sizeof hello) sent += (size_t)n;
    else if (n > 0) break;
    else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
      ch->problem = "the peer closed the doorbell before answering";
      return RXSHM_REFUSED;
    } else if (errno != EINTR && poll(&p, 1, rxshm__left(deadline)) == 0) {
      return RXSHM_TIMEOUT;
    }
  }
  if (status == 0) return RXSHM_OK;
  ch->problem = status == 1 ? "busy" : status == 2 ? "the peer refused the token" : "the peer refused the hello";
  return RXSHM_REFUSED;
}

RXSHM__DEF int rxshm_adopt(rxshm_channel *ch, int segment_fd, int doorbell_fd, int timeout_ms) {
  int64_t deadline = rxshm__deadline(timeout_ms);
  int type = 0, domain = AF_UNIX;
  struct ucred cred;
  socklen_t type_len = sizeof type, domain_len = sizeof domain, cred_len = sizeof cred;
  uint8_t *segment;
  size_t size;
  rxshm_layout layout;
  memset(ch, 0, sizeof *ch);
  ch->fd = -1;
  ch->slot = -1;
  if (segment_fd < 0 || doorbell_fd < 0 || segment_fd == doorbell_fd) {
    if (segment_fd >= 0) close(segment_fd);
    if (doorbell_fd >= 0 && doorbell_fd != segment_fd) close(doorbell_fd);
    ch->problem = "two different descriptors are needed";
    return RXSHM_INVALID;
  }
  /* Ours now: no program this process starts inherits them. */
  (void)fcntl(segment_fd, F_SETFD, FD_CLOEXEC);
  (void)fcntl(doorbell_fd, F_SETFD, FD_CLOEXEC);
  if (getsockopt(doorbell_fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM ||
#ifdef SO_DOMAIN
      getsockopt(doorbell_fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_len) != 0 ||
#endif
      domain != AF_UNIX || getsockopt(doorbell_fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0) {
    close(segment_fd);
    close(doorbell_fd);
    ch->problem = "the doorbell is not a Unix stream socket";
    return RXSHM_INVALID;
  }
  (void)domain_len;
  int rc = rxshm__map_sealed(ch, segment_fd, &segment, &size, &layout); /* closes segment_fd */
  if (rc == RXSHM_OK && (rc = rxshm__hello_anonymous(ch, doorbell_fd, layout.token, deadline)) != RXSHM_OK)
    munmap(segment, size);
  if (rc != RXSHM_OK) return close(doorbell_fd), rc;
  /* After the status byte: the server has reset the rings and bumped GENERATION (section 5). */
  rxshm__attach(ch, doorbell_fd, segment, size, &layout, 0);
  ch->peer_pid = (uint32_t)cred.pid; /* the creator of the socket pair: the process that handed it over */
  return RXSHM_OK;
}

/* Reads one descriptor number of RXSHM_PARENT: decimal digits, above 2 (stdio is never a channel). */
static int rxshm__parent_fd(const char **at, int *fd) {
  int64_t value = 0;
  const char *p = *at;
  if (*p < '0' || *p > '9') return 0;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((value = value * 10 + (*p - '0')) > INT32_MAX) return 0;
  *at = p;
  *fd = (int)value;
  return value > 2;
}

RXSHM__DEF int rxshm_connect_parent(rxshm_channel *ch, int timeout_ms) {
  const char *value = getenv("RXSHM_PARENT"), *at = value;
  int segment_fd, doorbell_fd;
  memset(ch, 0, sizeof *ch);
  ch->fd = -1;
  ch->slot = -1;
  if (!at || !rxshm__parent_fd(&at, &segment_fd) || *at++ != ',' || !rxshm__parent_fd(&at, &doorbell_fd) || *at) {
    ch->problem = !value ? "RXSHM_PARENT is unset: not started by spawnConnected"
                  : value[0] == '@' ? "RXSHM_PARENT names a segment (Windows), not descriptors"
                                    : "RXSHM_PARENT is malformed";
    return RXSHM_INVALID;
  }
  unsetenv("RXSHM_PARENT"); /* single use, as connectParent: a program this one starts is not the parent's child */
  return rxshm_adopt(ch, segment_fd, doorbell_fd, timeout_ms);
}

/* --- 2.11 Handshake: the server (section 5, "Handshake (server)", "Segments and seals", "Slots") ----------------*/
RXSHM__DEF int rxshm_listen(rxshm_server *srv, const char *name, uint32_t ring_capacity, uint32_t max_message,
                            uint32_t max_clients) {
  struct sockaddr_un addr;
  socklen_t len = rxshm__sockaddr(name, &addr);
  memset(srv, 0, sizeof *srv);
  srv->fd = -1;
  srv->ring_capacity = ring_capacity ? ring_capacity : RXSHM_DEFAULT_RING_CAPACITY;
  if (len == 0 || !rxshm__capacity_ok(srv->ring_capacity)) return RXSHM_INVALID;
  uint32_t limit = srv->ring_capacity - 8 - RXSHM_FRAME_HEADER_LENGTH;
  srv->max_message = max_message ? max_message : RXSHM_DEFAULT_MAX_MESSAGE < limit ? RXSHM_DEFAULT_MAX_MESSAGE : limit;
  srv->max_clients = max_clients ? max_clients : RXSHM_MAX_CLIENTS;
  if (srv->max_message > limit || srv->max_clients > RXSHM_MAX_CLIENTS) return RXSHM_INVALID;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return RXSHM_SYSTEM;
  if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 128) != 0) { /* EADDRINUSE: someone serves it */
    int e = errno;
    close(fd);
    errno = e;
    return RXSHM_SYSTEM;
  }
  srv->fd = fd;
  return RXSHM_OK;
}

RXSHM__DEF void rxshm_server_close(rxshm_server *srv) {
  if (srv->fd >= 0) close(srv->fd);
  srv->fd = -1;
}

/* Sends REPLY with `status`, and the segment's descriptor when memfd >= 0. */
static int rxshm__send_reply(int fd, uint8_t status, uint32_t client_id, int memfd) {
  uint8_t reply[16];
  union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
  struct iovec iov = {.iov_base = reply, .iov_len = 16};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  rxshm_reply_write(reply, status, client_id);
  if (memfd >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &memfd, sizeof(int));
  }
  return sendmsg(fd, &msg, MSG_NOSIGNAL) == 16 ? RXSHM_OK : RXSHM_SYSTEM;
}

/* Reads the 16-byte HELLO2 within the hello timeout: 1 valid, 0 malformed, -1 gone or silent. */
static int rxshm__read_hello(int fd) {
  uint8_t hello[16];
  size_t got = 0;
  int64_t deadline = rxshm__deadline(RXSHM__HELLO_TIMEOUT_MS);
  while (got < sizeof hello) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, rxshm__left(deadline)) <= 0) return -1;
    ssize_t n = recv(fd, hello + got, sizeof hello - got, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return -1;
    if (n > 0) got += (size_t)n;
  }
  return rxshm__ld32(hello) == RXSHM__HELLO2;
}

/* Creates a client's sealed segment, fills its session line, then its header (MAGIC last), and maps it. */
static int rxshm__create_segment(rxshm_server *srv, pid_t client_pid, int *memfd, uint8_t **segment, size_t *size) {
  uint64_t token = 0;
  *size = RXSHM__HEADER + 2 * ((size_t)RXSHM__RING_HEADER + srv->ring_capacity);
  *memfd = memfd_create("rxshm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (*memfd < 0) return RXSHM_SYSTEM;
  if (ftruncate(*memfd, (off_t)*size) != 0 || (errno = posix_fallocate(*memfd, 0, (off_t)*size)) != 0 ||
      fcntl(*memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0 ||
      (*segment = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, *memfd, 0)) == MAP_FAILED) {
    int e = errno;
    close(*memfd);
    errno = e;
    return RXSHM_SYSTEM;
  }
  if (getrandom(&token, sizeof token, GRND_NONBLOCK) != (ssize_t)sizeof token) token ^= (uint64_t)rxshm__now_ms();
  uint8_t *s = *segment;
  rxshm__store(s + RXSHM__O_SERVER_PID, (uint32_t)getpid());
  rxshm__store(s + RXSHM__O_CLIENT_PID, (uint32_t)client_pid);
  rxshm__store(s + RXSHM__O_CLIENT_STATE, 1);
  rxshm__store(s + RXSHM__O_SERVER_STATE, 2);
  rxshm__store(s + RXSHM__O_GENERATION, ++srv->generation);
  rxshm_segment_init(s, *size, srv->ring_capacity, srv->max_message + RXSHM_FRAME_HEADER_LENGTH, (uint32_t)getpid(),
                     token);
  return RXSHM_OK;
}

/* Takes the lowest free slot, or -1. */
static int rxshm__take_slot(rxshm_server *srv) {
  for (uint32_t i = 0; i < srv->max_clients; i++)
    if (!srv->taken[i]) return srv->taken[i] = 1, (int)i;
  return -1;
}

RXSHM__DEF int rxshm_accept(rxshm_server *srv, rxshm_channel *ch, int timeout_ms) {
  int64_t deadline = rxshm__deadline(timeout_ms);
  for (;;) {
    struct pollfd p = {.fd = srv->fd, .events = POLLIN};
    int n = poll(&p, 1, rxshm__left(deadline));
    if (n == 0) return RXSHM_TIMEOUT;
    if (n < 0 && errno != EINTR) return RXSHM_SYSTEM;
    int fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue; /* EAGAIN (another took it), EINTR, or a client gone already */
    struct ucred cred;
    socklen_t credlen = sizeof cred;
    /* Another user gets nothing at all, not even a reply. */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0 || cred.uid != geteuid()) { close(fd); continue; }
    int hello = rxshm__read_hello(fd);
    if (hello <= 0) {
      if (hello == 0) rxshm__send_reply(fd, 3, 0, -1);
      close(fd);
      continue;
    }
    int slot = rxshm__take_slot(srv), memfd;
    if (slot < 0) { rxshm__send_reply(fd, 1, 0, -1); close(fd); continue; }
    uint8_t *segment;
    size_t size;
    if (rxshm__create_segment(srv, cred.pid, &memfd, &segment, &size) != RXSHM_OK) {
      srv->taken[slot] = 0;
      rxshm__send_reply(fd, 5, 0, -1);
      close(fd);
      continue;
    }
    int sent = rxshm__send_reply(fd, 0, (uint32_t)slot, memfd);
    close(memfd); /* the mapping keeps the memory; the client has its own descriptor */
    rxshm_layout layout;
    if (sent != RXSHM_OK || rxshm_segment_validate(segment, size, &layout, NULL) != RXSHM_OK) {
      munmap(segment, size);
      srv->taken[slot] = 0;
      close(fd);
      continue;
    }
    rxshm__attach(ch, fd, segment, size, &layout, 1);
    ch->server = srv;
    ch->slot = slot;
    ch->client_id = (uint32_t)slot;
    ch->peer_pid = (uint32_t)cred.pid;
    return RXSHM_OK;
  }
}

#endif /* RXSHM_IMPLEMENTATION */
#endif /* RXSHM_H */
