/** Command line of bench/index.ts. Bad options throw at start with the offending value. */
import { resolve } from 'node:path';

export interface Args {
  readonly quick: boolean;
  /** Contender names to run (all when undefined). */
  readonly only: readonly string[] | undefined;
  /** Directory for latest.json / latest.md / latest.svg. */
  readonly outDir: string;
}

export const USAGE = `usage: node --import tsx bench/index.ts [--quick] [--only name1,name2] [--out DIR]
  --quick        smoke run: every contender and section once, small counts (well under a minute)
  --only LIST    run only these contenders (comma-separated names, see the JSON "contenders")
  --out DIR      write latest.json, latest.md and latest.svg to DIR (default: bench/results)`;

export function parseArgs(argv: readonly string[], defaultOut: string): Args {
  let quick = false;
  let only: string[] | undefined;
  let outDir = defaultOut;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value: option=${arg}\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--only')
      only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (arg.startsWith('--only='))
      only = arg
        .slice(7)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (arg === '--out') outDir = resolve(value());
    else if (arg.startsWith('--out=')) outDir = resolve(arg.slice(6));
    else throw new Error(`unknown option: option=${arg}\n${USAGE}`);
  }
  return { quick, only, outDir };
}
