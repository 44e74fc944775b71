/** The README's quick-start echo server, for snippets that are its clients. */
import { mergeMap, tap } from 'rxjs';
import { listen } from 'rxshm';

listen('echo')
  .pipe(mergeMap((connection) => connection.pipe(tap((bytes) => connection.next(bytes)))))
  .subscribe();
