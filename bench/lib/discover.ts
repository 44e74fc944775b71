/**
 * Contender registry: every module in bench/contenders/ that exports `contenders: Contender[]`.
 * Discovery (rather than a hand-kept list) lets a new contender land as one new file, and a module that fails to
 * import (e.g. a library not built yet) costs a note, not the run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Contender } from './contender.js';

export interface Discovered {
  readonly contenders: Contender[];
  /** One line per module that could not be loaded. */
  readonly failures: string[];
}

export async function discover(dir: string): Promise<Discovered> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.(d|test)\.ts$/.test(f))
    .sort();
  const contenders: Contender[] = [];
  const failures: string[] = [];
  for (const file of files) {
    try {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as { contenders?: Contender[] };
      if (!Array.isArray(mod.contenders)) throw new Error('exports no `contenders` array');
      contenders.push(...mod.contenders);
    } catch (e) {
      failures.push(`contenders/${file} not loaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  const seen = new Set<string>();
  for (const c of contenders) {
    if (seen.has(c.name)) throw new Error(`duplicate contender name: name=${c.name}`);
    seen.add(c.name);
  }
  contenders.sort((a, b) => (a.order ?? 50) - (b.order ?? 50) || a.name.localeCompare(b.name));
  return { contenders, failures };
}
