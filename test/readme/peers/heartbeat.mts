/**
 * Peer of the README's liveness example: serves 'heartbeat' to one client for a second, then crashes (SIGKILLs
 * itself, so it cannot close), and the client sees it alive, then exited.
 */
import { firstValueFrom } from 'rxjs';
import { listen } from 'rxshm';

await firstValueFrom(listen('heartbeat'));
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);
