/**
 * A typed calculator service over rxshm: request/response with method contracts (defineMethod, implement, call).
 *
 * This file plays both roles. Run without arguments, it starts itself as a child with spawnConnected (an anonymous
 * channel: nothing is left in /dev/shm); the child serves add/sub/mul/div with struct codecs and answers a division
 * by zero with a StatusError. The parent fires the calls concurrently (at most 4 in flight) with a timeout, prints
 * each result or error, then unsubscribes: that closes the channel, the child closes too, and both exit.
 *
 *   node --import tsx examples/rpc.ts
 */
import { fileURLToPath } from 'node:url';
import { catchError, from, map, mergeMap, of, switchMap, take, throwError } from 'rxjs';
import {
  call,
  connectParent,
  defineMethod,
  f64,
  implement,
  RemoteError,
  serve,
  spawnConnected,
  StatusError,
  struct,
  USER_STATUS_MIN,
} from 'rxshm';

const Operands = struct({ a: f64, b: f64 });
const Result = struct({ value: f64 });
const Add = defineMethod(1, Operands, Result);
const Sub = defineMethod(2, Operands, Result);
const Mul = defineMethod(3, Operands, Result);
const Div = defineMethod(4, Operands, Result);
/** Applications define their own statuses from USER_STATUS_MIN (256) up. */
const DIVISION_BY_ZERO = USER_STATUS_MIN;

function calculator(): void {
  connectParent()
    .pipe(
      switchMap((parent) => {
        // When the parent closes, close too: the connection ends and this process exits by itself.
        parent.subscribe({ complete: () => parent.complete(), error: () => undefined });
        return serve(parent, {
          [Add.id]: implement(Add, ({ a, b }) => of({ value: a + b })),
          [Sub.id]: implement(Sub, ({ a, b }) => of({ value: a - b })),
          [Mul.id]: implement(Mul, ({ a, b }) => of({ value: a * b })),
          [Div.id]: implement(Div, ({ a, b }) =>
            b === 0
              ? throwError(() => new StatusError(DIVISION_BY_ZERO, `division by zero: ${a} / 0`))
              : of({ value: a / b }),
          ),
        });
      }),
    )
    .subscribe({ error: (error) => console.error('[Calculator] error:', error) });
}

function client(): void {
  const jobs = [
    { label: '2 + 3', method: Add, operands: { a: 2, b: 3 } },
    { label: '10 - 4.5', method: Sub, operands: { a: 10, b: 4.5 } },
    { label: '6 * 7', method: Mul, operands: { a: 6, b: 7 } },
    { label: '1 / 4', method: Div, operands: { a: 1, b: 4 } },
    { label: '1 / 0', method: Div, operands: { a: 1, b: 0 } },
    { label: '0.1 + 0.2', method: Add, operands: { a: 0.1, b: 0.2 } },
  ];
  const self = fileURLToPath(import.meta.url);
  spawnConnected(process.execPath, [...process.execArgv, self, 'calculator'])
    .pipe(
      switchMap((connection) =>
        from(jobs).pipe(
          mergeMap(
            ({ label, method, operands }) =>
              call(connection, method, operands, { timeout: 2000 }).pipe(
                map(({ value }) => `${label} = ${value}`),
                catchError((error: Error) =>
                  of(
                    error instanceof RemoteError
                      ? `${label} failed with status ${error.status}: ${error.remoteMessage}`
                      : `${label} failed: ${error.message}`,
                  ),
                ),
              ),
            4,
          ),
        ),
      ),
      take(jobs.length), // then unsubscribe: Close is sent and the child exits
    )
    .subscribe({
      next: (line) => console.log(`[Client] ${line}`),
      complete: () => console.log(`[Client] ${jobs.length} calls answered. Done.`),
      error: (error) => {
        console.error('[Client] error:', error);
        process.exitCode = 1;
      },
    });
}

if (process.argv[2] === 'calculator') calculator();
else client();
