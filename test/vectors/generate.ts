/**
 * Writes the golden vectors (`test/vectors/*.vec`) from definitions.ts and malformed.ts with rxshm's own encoders.
 * Run it once per layout version, by hand, and commit the files:
 *
 *   node --import tsx test/vectors/generate.ts
 *
 * The test (test/layout/vectors.test.ts) never runs this: it rebuilds each vector in memory and compares it with the
 * committed file, so a change of bytes without a new LAYOUT_VERSION fails it.
 *
 * Cross-process invariant: the files are the contract native peers test against (docs/LAYOUT.md points here).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYOUT_VERSION } from '../../src/layout/index.js';
import { buildExpected } from './build.js';
import { DEFINITIONS } from './definitions.js';
import { MALFORMED } from './malformed.js';
import { Fields, VECTOR_DIR, VECTOR_EXTENSION, formatVector, toHex, type Vector } from './format.js';

/** The vector a definition's fields make: comments, `type`, `layout_version`, the other fields in order. */
function vectorOf(name: string, about: readonly string[], fields: readonly (readonly [string, unknown])[]): Vector {
  const [type, ...rest] = fields.map(([k, v]) => [k, String(v)] as const);
  return {
    name,
    comments: [`rxshm golden vector: ${name}`, ...about, 'format: test/vectors/README.md'],
    fields: [type!, ['layout_version', String(LAYOUT_VERSION)], ...rest],
  };
}

/** Every vector, built: the built ones with their `expect` line appended. */
export function allVectors(): Vector[] {
  const built = DEFINITIONS.map((d) => {
    const vector = vectorOf(d.name, d.about, d.inputs);
    const expect = toHex(buildExpected(new Fields(vector)));
    const inputs = vector.fields.filter(([k]) => !k.startsWith('expect_'));
    const expectations = vector.fields.filter(([k]) => k.startsWith('expect_'));
    return { ...vector, fields: [...inputs, ['expect', expect] as const, ...expectations] };
  });
  return [...built, ...MALFORMED.map((m) => vectorOf(m.name, m.about, m.fields))];
}

if (process.argv[1]?.endsWith('generate.ts')) {
  for (const file of readdirSync(VECTOR_DIR)) if (file.endsWith(VECTOR_EXTENSION)) rmSync(join(VECTOR_DIR, file));
  const vectors = allVectors();
  for (const vector of vectors) writeFileSync(join(VECTOR_DIR, vector.name + VECTOR_EXTENSION), formatVector(vector));
  console.log(`wrote ${vectors.length} vectors for layout version ${LAYOUT_VERSION} to ${VECTOR_DIR}`);
}
