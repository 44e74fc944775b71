/** Peer of the README's request example: serves 'ping' and answers method 7 with 'pong'. */
import { mergeMap, of } from 'rxjs';
import { listen, serve, utf8 } from 'rxshm';

listen('ping')
  .pipe(mergeMap((connection) => serve(connection, { 7: () => of(utf8.encode('pong')) })))
  .subscribe();
