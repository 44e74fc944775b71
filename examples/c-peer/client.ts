/**
 * A Node client of the C sensor service (examples/c-peer/server.c, built on c/rxshm.h): it connects to the channel
 * the C program serves, asks for statistics over a Float64Array, asks for a stream of readings (Data frames the C
 * side writes in place), calls a method the server does not have, and closes; the C program then exits too.
 *
 *   cc -std=c99 -O2 -I c -o /tmp/rxshm-sensor examples/c-peer/server.c
 *   /tmp/rxshm-sensor sensors & node --import tsx examples/c-peer/client.ts sensors
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { connect, RemoteError, Status } from 'rxshm';

const name = process.argv[2] ?? 'sensors';
const connection = await firstValueFrom(connect(name, { timeout: 5000 }));
console.log(`[Node] connected to the C server (pid ${connection.peerPid}) as client ${connection.clientId}`);

// Method 1: float64s in, four float64s out (count, sum, min, max); a C struct overlay on both sides.
const values = new Float64Array([1.5, 2.5, 4, 8]);
const answer = await firstValueFrom(connection.request(new Uint8Array(values.buffer), { method: 1, timeout: 1000 }));
const [count, sum, min, max] = new Float64Array(answer.slice().buffer);
console.log(`[Node] stats: count=${count} sum=${sum} min=${min} max=${max}`);

// Method 2: the readings arrive as Data frames before the response.
const readings = firstValueFrom(connection.pipe(take(3), toArray()));
const n = new Uint8Array(new Uint32Array([3]).buffer);
await firstValueFrom(connection.request(n, { method: 2, timeout: 1000 }));
for (const bytes of await readings) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  console.log(`[Node] reading ${view.getUint32(0, true)}: ${view.getFloat64(8, true)}`);
}

// A method the C server does not have: an Error frame, a RemoteError here.
try {
  await firstValueFrom(connection.request(new Uint8Array(0), { method: 9, timeout: 1000 }));
} catch (error) {
  if (!(error instanceof RemoteError) || error.status !== Status.NoSuchMethod) throw error;
  console.log(`[Node] method 9: ${error.message}`);
}
connection.complete();
console.log('[Node] done');
