/**
 * The SharedHandoffBuffer demo on rxshm (`npm start`).
 *
 *   parent mode (no arguments): launches a source and a target with a unique prefix, waits for both to exit.
 *   source <prefix>: serves the channel, waits for the target, sends three Data commands, polls liveness.
 *   target <prefix>: connects (that is its "ready" signal), answers Data commands until the source closes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { concat, concatMap, defer, filter, first, ignoreElements, mergeMap, of, range, switchMap, tap } from 'rxjs';
import { connect, listen, liveness, serve, utf8 } from 'rxshm';

/** The seed's command vocabulary: Data is method 1; LivenessCheck/Alive are frame kinds every connection answers. */
const DATA_COMMAND = 1;
const COMMAND_TIMEOUT_MS = 5000;
const text = (s: string): Uint8Array => utf8.encode(s);
const read = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function source(prefix: string): void {
  console.log('[Source] Waiting for target to be ready...');
  listen(prefix)
    .pipe(
      switchMap((target) => {
        console.log('[Source] Target ready. Starting commands...');
        const commands = range(0, 3).pipe(
          concatMap((n) =>
            target.request(text(`Message #${n}`), { method: DATA_COMMAND, timeout: COMMAND_TIMEOUT_MS }),
          ),
          tap((answer) => console.log(`[Source] Target responded: ${read(answer)}`)),
        );
        const poll = defer(() => {
          console.log('[Source] Polling target for liveness...');
          return of(target).pipe(liveness({ interval: 100, timeout: COMMAND_TIMEOUT_MS }), first());
        }).pipe(
          tap((state) => console.log(state === 'alive' ? '[Source] Target is alive.' : `[Source] Target is ${state}.`)),
        );
        // Close, then wait for the target's Close: its receive side completing tells us it is done.
        const close = defer(() => {
          target.complete();
          return target;
        });
        return concat(
          commands.pipe(ignoreElements()),
          poll.pipe(ignoreElements()),
          close.pipe(ignoreElements()),
          of('done'),
        );
      }),
      first(), // unsubscribing listen() closes the channel and unlinks the segment
    )
    .subscribe({ error: (error) => fail('Source', error) });
}

function target(prefix: string): void {
  connect(prefix, { timeout: 10_000 })
    .pipe(
      mergeMap((source) => {
        console.log('[Target] Ready and waiting for commands...');
        source.livenessChecks$.subscribe(() => console.log('[Target] Responded to Liveness Check.'));
        source.subscribe({ complete: () => source.complete(), error: () => undefined });
        return serve(source, {
          [DATA_COMMAND]: (payload) => {
            const answer = `Processed: ${read(payload)}`;
            console.log(`[Target] Responded to Data command: ${answer}`);
            return of(text(answer));
          },
        });
      }),
      filter(() => false),
    )
    .subscribe({ error: (error) => fail('Target', error) });
}

function parent(): void {
  const prefix = `HandoffBuffer${Date.now() % 1e9}${process.pid}`;
  const self = fileURLToPath(import.meta.url);
  const launch = (role: string) =>
    spawn(process.execPath, [...process.execArgv, self, role, prefix], { stdio: 'inherit' });
  const children = [launch('source'), launch('target')];
  console.log(`[Parent] Both processes launched with prefix: ${prefix}`);
  let failed = false;
  let exited = 0;
  for (const child of children) {
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        failed = true;
        console.error(`[Parent] Child ${child.pid} exited with code=${code} signal=${signal}`);
        // The other role would wait for its peer forever: stop it, so the demo never hangs.
        for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
      }
      if (++exited === children.length) {
        console.log(failed ? '[Parent] A child failed.' : '[Parent] Both children exited. Done.');
        process.exitCode = failed ? 1 : 0;
      }
    });
  }
}

function fail(role: string, error: unknown): void {
  console.error(`[${role}] Error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

const [mode, prefix] = process.argv.slice(2);
if (mode === undefined) parent();
else if ((mode === 'source' || mode === 'target') && prefix) (mode === 'source' ? source : target)(prefix);
else {
  console.error('usage: handoff [source <prefix> | target <prefix>]');
  process.exitCode = 2;
}
