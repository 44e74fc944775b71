/**
 * A chat room over rxshm: one server, four member processes, every line broadcast to every member.
 *
 * Run without arguments, this file is the server: it listens on a fresh channel (`maxClients: 16`), starts four
 * members (this file again, `member <channel> <n>`), tracks who is connected with `clients()` and forwards each line
 * to the whole room with `broadcast()`. Once all four are in it says "go". Member 3 is SIGKILLed as soon as its first
 * line arrives (the server broadcasts that line first): its slot frees, its connection ends, and nobody else notices
 * anything but its silence. Each other member leaves once it has heard the five lines of every surviving member and
 * the victim's first line; the server then stops.
 *
 *   node --import tsx examples/chat.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, interval, map, mergeMap, share, take } from 'rxjs';
import { broadcast, clients, connect, listen, type Connection } from 'rxshm';

const MEMBERS = 4;
const VICTIM = 3;
const LINES = 5;
const text = new TextEncoder();
const words = new TextDecoder();

function server(): void {
  const channel = `chat-${process.pid}`;
  const arrivals = listen(channel, { maxClients: 16 }).pipe(share());
  const children = new Map<number, ChildProcess>();
  let room: ReadonlySet<Connection> = new Set();
  let started = false;
  let finished = false;
  const members = arrivals.pipe(clients()).subscribe((current) => {
    room = current;
    console.log(`[server] ${current.size} in the room: slots ${[...current].map((c) => c.clientId).join(', ')}`);
    if (!started && current.size === MEMBERS) {
      started = true;
      broadcast(current, text.encode('go'));
    }
    if (finished && current.size === 0) {
      console.log('[server] everyone left; every slot is free again');
      members.unsubscribe();
      lines.unsubscribe();
    }
  });
  const lines = arrivals
    .pipe(mergeMap((member) => member.pipe(map((line) => ({ member, line })))))
    .subscribe(({ member, line }) => {
      const reached = broadcast(room, line);
      const victim = children.get(VICTIM);
      if (victim && member.peerPid === victim.pid && victim.exitCode === null && victim.signalCode === null) {
        console.log(`[server] killing member ${VICTIM} (pid ${victim.pid}, slot ${member.clientId}) with SIGKILL`);
        victim.kill('SIGKILL');
      }
      if (reached === 0) console.log('[server] a line reached nobody');
    });
  const self = fileURLToPath(import.meta.url);
  let running = MEMBERS;
  for (let n = 0; n < MEMBERS; n++) {
    const child = spawn(process.execPath, [...process.execArgv, self, 'member', channel, String(n)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.set(n, child);
    child.on('exit', (code, signal) => {
      if (n === VICTIM) console.log(`[server] member ${VICTIM} is gone (${signal ?? `exit ${code}`})`);
      else if (code !== 0) process.exitCode = 1;
      if (--running === 0) {
        console.log('[server] all members exited');
        finished = true;
        if (room.size === 0) {
          members.unsubscribe();
          lines.unsubscribe();
        }
      }
    });
  }
}

async function member(channel: string, n: number): Promise<void> {
  const connection = await firstValueFrom(connect(channel, { timeout: 10_000 }));
  const heard = new Map<number, number>();
  const survivors = [...Array(MEMBERS).keys()].filter((m) => m !== VICTIM);
  // The victim's first line always reaches everyone (broadcast before the kill); waiting for it keeps the summary
  // the same however late the victim starts speaking.
  const everyoneHeard = (): boolean => survivors.every((m) => heard.get(m) === LINES) && heard.has(VICTIM);
  const done = new Promise<void>((resolve) => {
    connection.subscribe({
      next: (bytes) => {
        const line = words.decode(bytes);
        if (line === 'go') return void speak();
        const from = Number(/^member (\d+):/.exec(line)?.[1]);
        heard.set(from, (heard.get(from) ?? 0) + 1);
        if (everyoneHeard()) resolve();
      },
      error: () => resolve(),
    });
  });
  const speak = (): void =>
    void interval(n === VICTIM ? 200 : 50)
      .pipe(take(LINES))
      .subscribe((i) => connection.next(text.encode(`member ${n}: line ${i + 1} of ${LINES}`)));
  await done;
  const summary = [...heard.entries()].sort(([a], [b]) => a - b).map(([m, count]) => `${count} from member ${m}`);
  console.log(`[member ${n}] slot ${connection.clientId}: heard ${summary.join(', ')}`);
  connection.complete();
}

const [role, channel, n] = process.argv.slice(2);
if (role === 'member') void member(channel!, Number(n));
else server();
