#!/usr/bin/env node
/**
 * Fails (exit 1) when the modules under src/ import each other in a cycle, type-only imports included: a cycle
 * hides which module is the lower layer, and at run time can leave a class undefined while a module initialises.
 * Reads relative specifiers ('./x.js', '../y/index.js') from import/export statements; prints every cycle found.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const srcRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', process.argv[2] ?? 'src');

function sources(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Maps each module to the modules it imports. */
function graphOf(files) {
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set();
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2];
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      if (graph.has(target) || files.includes(target)) deps.add(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Every elementary cycle reached by a depth-first walk, each reported once. */
function cyclesOf(graph) {
  const cycles = [];
  const seen = new Set();
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const files = sources(srcRoot);
const cycles = cyclesOf(graphOf(files));
if (cycles.length === 0) {
  console.log(
    `check-cycles: ${files.length} modules in ${path.relative(process.cwd(), srcRoot) || '.'}, no import cycle`,
  );
} else {
  for (const cycle of cycles)
    console.error(`import cycle: ${cycle.map((f) => path.relative(srcRoot, f)).join(' -> ')}`);
  console.error(`check-cycles: ${cycles.length} import cycle(s)`);
  process.exit(1);
}
