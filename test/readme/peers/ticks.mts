/**
 * Peer of the README's Connection example: serves 'ticks'; from each client it takes one tick (an f64 at offset 0),
 * prints it, and closes its side, as a one-shot consumer would.
 */
import { mergeMap, take, tap } from 'rxjs';
import { listen } from 'rxshm';

listen('ticks')
  .pipe(
    mergeMap((client) =>
      client.pipe(
        take(1),
        tap((bytes) => console.log('tick', new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true))),
        tap({ finalize: () => client.complete() }),
      ),
    ),
  )
  .subscribe();
