// Child of bench/windows/wine-bench.ts: echoes every message back to the parent until the parent closes.
import { switchMap, tap } from 'rxjs';
import { connectParent } from '../../src/index.js';

connectParent()
  .pipe(switchMap((parent) => parent.pipe(tap((bytes) => parent.next(bytes)))))
  .subscribe({ error: (e: unknown) => void process.stderr.write(`echo child: ${String(e)}\n`) });
