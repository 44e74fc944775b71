/**
 * The standard header a snippet runs under: imports of what it uses and neither declares nor imports itself —
 * rxshm's exports from 'rxshm', RxJS's from 'rxjs' (rxshm wins a name both export: `connect`), and io-ts as `t`.
 * Identifiers are found in the code without its comments and string literals, and not after a `.` (members).
 * An unused import is harmless, so over-matching (an object key named like an export) costs nothing.
 */

/** The names each module exports at run time. */
export interface Exports {
  readonly rxshm: readonly string[];
  readonly rxjs: readonly string[];
}

/** `source` without comments and string literals (template literals included), lengths not preserved. */
export function stripCommentsAndStrings(source: string): string {
  return source.replace(
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g,
    (m) => (m.startsWith('/') ? ' ' : '""'),
  );
}

/** Identifiers used as values or types: not member names after a `.`. */
export function usedIdentifiers(source: string): Set<string> {
  const code = stripCommentsAndStrings(source);
  return new Set(code.match(/(?<![\w$]|\.\s*)[A-Za-z_$][\w$]*/g) ?? []);
}

/** Names the code binds at its top level or anywhere by const/let/var/function/class, and names it imports. */
export function boundNames(source: string): Set<string> {
  const code = stripCommentsAndStrings(source);
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|function\*?|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\b(?:const|let|var)\s*[[{]([^\]}]*)[\]}]\s*=/g)) {
    for (const part of m[1]!.split(',')) {
      const local = part.split(':').at(-1)!.split('=')[0]!.replace('...', '').trim();
      if (local) names.add(local);
    }
  }
  for (const m of code.matchAll(
    /\bimport\s+(?:type\s+)?(?:([A-Za-z_$][\w$]*)\s*,?\s*)?(?:\*\s*as\s+([A-Za-z_$][\w$]*)|\{([^}]*)\})?\s*from\b/g,
  )) {
    if (m[1]) names.add(m[1]);
    if (m[2]) names.add(m[2]);
    for (const part of (m[3] ?? '').split(',')) {
      const local = part
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1)!
        .trim();
      if (local) names.add(local);
    }
  }
  return names;
}

/** The header for `sources` (prelude and snippet, in that order), given the modules' exports. */
export function headerFor(sources: readonly string[], exports: Exports): string {
  const all = sources.join('\n');
  const used = usedIdentifiers(all);
  const bound = boundNames(all);
  const wanted = [...used].filter((name) => !bound.has(name)).sort();
  const fromRxshm = wanted.filter((name) => exports.rxshm.includes(name));
  const fromRxjs = wanted.filter((name) => !exports.rxshm.includes(name) && exports.rxjs.includes(name));
  const lines: string[] = [];
  if (fromRxshm.length) lines.push(`import { ${fromRxshm.join(', ')} } from 'rxshm';`);
  if (fromRxjs.length) lines.push(`import { ${fromRxjs.join(', ')} } from 'rxjs';`);
  if (!bound.has('t') && /(?<![\w$.])t\s*\./.test(stripCommentsAndStrings(all)))
    lines.push(`import * as t from 'io-ts';`);
  return lines.join('\n') + '\n';
}
