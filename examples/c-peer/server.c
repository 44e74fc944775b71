/* A sensor service in C over rxshm (c/rxshm.h): it serves the named channel argv[1] to one Node client at a time
 * (examples/c-peer/client.ts) and answers its requests:
 *   method 1 (stats):  the payload is float64s; the answer is four float64s: count, sum, min, max
 *   method 2 (stream): the payload is a u32 n; it sends n Data frames (u32 seq, u32 0, float64 reading), then answers
 *                      with n; the readings are written in place in the ring (rxshm_claim/rxshm_commit)
 *   anything else:     an Error frame, status NoSuchMethod
 * It stops after its client closes (or dies), so the example ends by itself.
 *
 *   cc -std=c99 -O2 -I c -o /tmp/rxshm-sensor examples/c-peer/server.c
 *   /tmp/rxshm-sensor sensors & node --import tsx examples/c-peer/client.ts sensors */
#define RXSHM_IMPLEMENTATION
#include "rxshm.h"
#include <math.h>
#include <stdio.h>

/* Method 1: count, sum, min and max of the float64s in the request. */
static int stats(rxshm_channel *ch, const rxshm_frame *f) {
  double out[4] = {0, 0, INFINITY, -INFINITY}, value;
  for (uint32_t i = 0; i + 8 <= f->length; i += 8) {
    memcpy(&value, f->payload + i, 8); /* payloads are 8-byte aligned; memcpy keeps it portable anyway */
    out[0] += 1;
    out[1] += value;
    out[2] = value < out[2] ? value : out[2];
    out[3] = value > out[3] ? value : out[3];
  }
  return rxshm_respond(ch, f->correlation, out, sizeof out, 1000);
}

/* Method 2: n readings as Data frames, built in place in the ring, then the answer. */
static int stream(rxshm_channel *ch, const rxshm_frame *f) {
  uint32_t n = 0, correlation = f->correlation;
  if (f->length != 4) return rxshm_respond_error(ch, correlation, RXSHM_STATUS_BAD_REQUEST, "expected a u32", 1000);
  memcpy(&n, f->payload, 4);
  rxshm_release(ch); /* done with the request's bytes: free them before writing */
  for (uint32_t seq = 0; seq < n; seq++) {
    uint8_t *at;
    double reading = 20.0 + seq * 0.5;
    int rc = rxshm_claim(ch, 16, &at, 1000);
    if (rc != RXSHM_OK) return rc;
    memcpy(at, &seq, 4);
    memset(at + 4, 0, 4);
    memcpy(at + 8, &reading, 8);
    rxshm_commit(ch, 16);
  }
  return rxshm_respond(ch, correlation, &n, 4, 1000);
}

int main(int argc, char **argv) {
  rxshm_server server;
  rxshm_channel ch;
  rxshm_frame f;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) return fprintf(stderr, "usage: %s CHANNEL\n", argv[0]), 2;
  int rc = rxshm_listen(&server, argv[1], 0, 0, 1);
  if (rc != RXSHM_OK) return fprintf(stderr, "listen: %s\n", rxshm_strerror(rc)), 1;
  printf("[C] serving '%s'\n", argv[1]);
  if ((rc = rxshm_accept(&server, &ch, 30000)) != RXSHM_OK)
    return fprintf(stderr, "accept: %s\n", rxshm_strerror(rc)), 1;
  printf("[C] client %u joined (pid %u)\n", ch.client_id, ch.peer_pid);
  while ((rc = rxshm_recv(&ch, &f, -1)) == RXSHM_OK) {
    if (f.kind != RXSHM_REQUEST) continue;
    printf("[C] request %u for method %u\n", f.correlation, f.method);
    rc = f.method == 1   ? stats(&ch, &f)
         : f.method == 2 ? stream(&ch, &f)
                         : rxshm_respond_error(&ch, f.correlation, RXSHM_STATUS_NO_SUCH_METHOD, "no such method", 1000);
    if (rc != RXSHM_OK) break;
  }
  printf("[C] client left: %s\n", rxshm_strerror(rc));
  rxshm_close(&ch, 1000);
  rxshm_free(&ch);
  rxshm_server_close(&server);
  return rc == RXSHM_CLOSED ? 0 : 1;
}
