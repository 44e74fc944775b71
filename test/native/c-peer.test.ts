/**
 * A C program joins as docs/SETUP-DESIGN.md says a C client must ("What a C program does to join"): it connects to
 * the exact-length abstract address this process listens on with the raw sockets, checks SO_PEERCRED, sends HELLO2,
 * receives the REPLY with the sealed memfd (recvmsg, SCM_RIGHTS), checks the seals, maps it and exchanges data.
 * The C source is test/fixtures/native-fd-client.c, compiled with `cc` into a temporary folder (skipped without
 * cc). The child runs under the watchdog (watched.ts).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../src/native/index.js';
import { acceptNext, receiveNext, sockets, untilEnded, untilWord } from '../fixtures/native-fd-steps.js';
import { nativeName } from '../helpers/names.js';
import { fixture } from '../helpers/process-run.js';
import { watched } from '../helpers/watched.js';

const test = suite('native: a C client receives a sealed memfd (linux)');
const SIZE = 64 * 1024;
const HELLO2 = 0x32485852;
const REPLY = 0x4b4f5852;

test('the C client checks who listens, maps the sealed memfd it received, cannot truncate it, and answers', () =>
  watched(60_000, async (watch) => {
    if (spawnSync('cc', ['--version']).status !== 0) return console.log('  skipped: needs a C compiler (cc)');
    const dir = mkdtempSync(join(tmpdir(), 'rxshm-c-peer-'));
    watch.defer(() => rmSync(dir, { recursive: true, force: true }));
    const program = join(dir, 'client');
    execFileSync('cc', ['-std=c11', '-O1', '-o', program, fixture('native-fd-client.c')]);

    const s = sockets();
    const name = nativeName('cpeer');
    const listener = s.listen(`\0${name}`);
    watch.defer(() => s.close(listener));
    const client = watch.child(spawn(program, [name], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const fd = await acceptNext(listener);
    watch.defer(() => s.close(fd));
    const segment = native.segments.createSealed(SIZE);
    watch.defer(() => segment.close());

    assert.is(native.identity.peerOf(fd).pid, client.pid, 'SO_PEERCRED names the C process');
    assert.equal(await client.next('server'), { ev: 'server', pid: process.pid, uid: native.identity.uid() });
    const hello = Buffer.from((await receiveNext(fd, 16)).bytes);
    assert.equal([hello.length, hello.readUInt32LE(0), hello.readUInt32LE(4)], [16, HELLO2, client.pid]);

    const bytes = new Uint8Array(segment.buffer);
    bytes[64] = 0x77;
    const reply = Buffer.alloc(16);
    reply.writeUInt32LE(REPLY, 0);
    reply.writeUInt32LE(7, 8); // clientId
    assert.is(s.send(fd, reply, segment.fd), 16);

    // EPERM = 1: the seal holds against a C ftruncate too.
    assert.equal(await client.next('mapped'), { ev: 'mapped', size: SIZE, seals: 7, clientId: 7, truncate: 1 });
    const words = new Int32Array(segment.buffer);
    assert.ok(await untilWord(words, 2, 1, fd), 'the C client wrote');
    for (let i = SIZE / 2; i < SIZE; i++) assert.is(bytes[i], (i * 13 + 1) & 0xff, `byte ${i}`);
    Atomics.store(words, 3, 1);
    assert.equal(await client.next('answered'), { ev: 'answered', first: 0x77 });
    await untilEnded(fd);
    assert.equal(await client.exited.then((e) => [e.code, e.signal]), [0, null]);
  }));

test.run();
