/** Peer of the README's batches() example: serves 'readings'; sends each client 1000 readings, then closes its side. */
import { mergeMap } from 'rxjs';
import { listen } from 'rxshm';

listen('readings')
  .pipe(
    mergeMap(async (client) => {
      for (let i = 0; i < 1000; i++) client.next(new Uint8Array(new Float64Array([i]).buffer));
      client.complete();
    }),
  )
  .subscribe();
