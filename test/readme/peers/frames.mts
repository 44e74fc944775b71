/** Peer of the README's recycle() example: serves 'frames'; sends each client 200 frames of 64 KiB, then closes. */
import { mergeMap } from 'rxjs';
import { listen } from 'rxshm';

listen('frames')
  .pipe(
    mergeMap(async (client) => {
      const frame = new Uint8Array(64 * 1024);
      for (let i = 0; i < 200; i++) {
        frame.fill(i & 255);
        client.next(frame); // queued when the ring is full (overflow 'block'): nothing is lost
      }
      client.complete();
    }),
  )
  .subscribe();
