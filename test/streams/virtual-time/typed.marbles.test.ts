/**
 * typed(codec) / typedConnection in virtual time over an in-process channel: values sent at virtual frames are
 * received decoded in the same frames, an invalid value fails its own `next`, and an undecodable message is
 * skipped (onError 'skip') or ends the server's receive side as the client's failure (the default) in the frame it
 * arrives. Senders are cold observables, whose subscription marbles show when they were torn down.
 * 1 frame = 1 ms; a frame sent at t is handled at t (see test/helpers/in-process-channel.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, ignoreElements, map, switchMap, tap } from 'rxjs';
import { ConnectionAbortedError, EncodeError, f64, struct, typed, typedConnection, u32 } from '../../../src/index.js';
import { withInProcessChannel } from '../../helpers/in-process-channel.js';
import { SettlingScheduler } from '../../helpers/settling-scheduler.js';

const test = suite('typed (virtual time)');

const Point = struct({ seq: u32, x: f64 });
const points = { a: { seq: 1, x: 0.5 }, b: { seq: 2, x: -1.25 }, c: { seq: 3, x: 1e9 } };
/** Too short for a Point (12 bytes). */
const garbage = new Uint8Array([1, 2, 3]);

test('values sent at virtual frames are received decoded in those frames; teardown reaches both sources', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      const connections = cold('a', { a: server });
      expectObservable(
        connections.pipe(
          typed(Point),
          switchMap((received) => received),
        ),
        '^ 29ms !',
      ).toBe('a 9ms b 9ms c', points);
      const sender = typedConnection(client, Point);
      const sent = cold('a 9ms b 9ms (c|)', points);
      expectObservable(
        sent.pipe(
          tap((point) => sender.next(point)),
          ignoreElements(),
        ),
      ).toBe('20ms |');
      expectSubscriptions(sent.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(connections.subscriptions).toBe('^ 29ms !');
    });
    assert.is(server.stats.received, 3);
  }));

test('an invalid value: next throws EncodeError in its frame and sends nothing; the sender is torn down then', () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    const invalid = { seq: -1, x: 0 };
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(typedConnection(server, Point), '^ 29ms !').toBe('a', points);
      const sender = typedConnection(client, Point);
      const sent = cold('a 9ms b 9ms c', { ...points, b: invalid });
      expectObservable(
        sent.pipe(
          tap((point) => sender.next(point)),
          ignoreElements(),
        ),
      ).toBe('10ms #', undefined, new EncodeError(Point, invalid));
      expectSubscriptions(sent.subscriptions).toBe('^ 9ms !');
    });
    assert.is(client.stats.sent, 1);
  }));

test("onError 'skip': an undecodable message is dropped in its frame, reported on errors$ and counted", () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(typedConnection(server, Point, { onError: 'skip' }), '^ 29ms !').toBe('a 19ms c', points);
      expectObservable(server.errors$.pipe(map((e) => e.name)), '^ 29ms !').toBe('10ms e', { e: 'DecodeError' });
      const sent = cold('a 9ms b 9ms c', { a: Point.encode(points.a), b: garbage, c: Point.encode(points.c) });
      expectObservable(
        sent.pipe(
          tap((bytes) => client.next(bytes)),
          ignoreElements(),
        ),
        '^ 29ms !',
      ).toBe('-');
      expectSubscriptions(sent.subscriptions).toBe('^ 29ms !');
    });
    assert.is(server.stats.decodeErrors, 1);
  }));

test("default onError, listen side: the bad message's frame completes the receive side (the client failed)", () =>
  withInProcessChannel(async ({ server, client, settle }) => {
    const scheduler = new SettlingScheduler();
    await scheduler.runSettled(settle, ({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(typedConnection(server, Point), '^ 29ms !').toBe('a 9ms |', points);
      expectObservable(server.errors$.pipe(map((e) => e.name))).toBe('10ms (e|)', { e: 'DecodeError' });
      const ends = server.end$.pipe(map(({ by, clean, error }) => ({ by, clean, error: error?.name })));
      expectObservable(ends).toBe('10ms (e|)', { e: { by: 'peer', clean: false, error: 'DecodeError' } });
      const sent = cold('a 9ms b', { a: Point.encode(points.a), b: garbage });
      expectObservable(
        sent.pipe(
          tap((bytes) => client.next(bytes)),
          ignoreElements(),
        ),
        '^ 29ms !',
      ).toBe('-');
      expectSubscriptions(sent.subscriptions).toBe('^ 29ms !');
    });
    // The client is told through the doorbell (a socket, not a ring), so in real time after the run.
    const clientEnd = await firstValueFrom(client.end$);
    assert.instance(clientEnd.error, ConnectionAbortedError);
  }));

test.run();
