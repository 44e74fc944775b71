/** Probe of the README's serve example: asks 'calc' method 1 to reverse 1, 2, 3; exits 0 only on [3, 2, 1]. */
import { firstValueFrom } from 'rxjs';
import { connect } from 'rxshm';

const connection = await firstValueFrom(connect('calc'));
const answer = await firstValueFrom(connection.request(Uint8Array.of(1, 2, 3), { method: 1, timeout: 2000 }));
console.log('reversed', [...answer].join(','));
connection.complete();
process.exitCode = [...answer].join(',') === '3,2,1' ? 0 : 1;
