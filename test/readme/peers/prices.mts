/** Peer of the README's typed(Price) example: serves 'prices'; sends each client three quotes, then closes its side. */
import { mergeMap } from 'rxjs';
import { fixedUtf8, f64, listen, struct, typed } from 'rxshm';

const Price = struct({ symbol: fixedUtf8(8), bid: f64, ask: f64 });
const quotes = [
  { symbol: 'EURUSD', bid: 1.0841, ask: 1.0843 },
  { symbol: 'EURUSD', bid: 1.0842, ask: 1.0844 },
  { symbol: 'EURUSD', bid: 1.084, ask: 1.0842 },
];

listen('prices')
  .pipe(
    typed(Price),
    mergeMap(async (prices) => {
      for (const quote of quotes) prices.next(quote);
      prices.complete();
    }),
  )
  .subscribe();
