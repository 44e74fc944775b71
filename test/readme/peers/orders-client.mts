/** Probe of the README's typedConnection example: sends order 7 and exits 0 only when it comes back filled. */
import { firstValueFrom } from 'rxjs';
import { bool, connect, struct, typedConnection, u32 } from 'rxshm';

const Order = struct({ id: u32, qty: u32, filled: bool });
const orders = typedConnection(await firstValueFrom(connect('orders')), Order);
const answer = firstValueFrom(orders);
orders.next({ id: 7, qty: 3, filled: false });
const order = await answer;
console.log('filled', order.id, order.filled);
orders.complete();
process.exitCode = order.id === 7 && order.filled ? 0 : 1;
