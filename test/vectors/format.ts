/**
 * The text format of the golden vectors (test/vectors/README.md): `#` comment lines, then one `key value` line per
 * field, in order. A value is a decimal integer, a hex byte string (lowercase, no separators; `-` is the empty
 * string) or a word (a vector type, an error code): which one is fixed per key. Simple enough for a C program to read with fgets and strtoull.
 *
 * Cross-process invariant: none at run time; the files are the contract between rxshm and every native peer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the committed `.vec` files. */
export const VECTOR_DIR = dirname(fileURLToPath(import.meta.url));
/** The file extension of a vector. */
export const VECTOR_EXTENSION = '.vec';
/** No line of a vector file is longer than this, so a C reader can use a fixed buffer. */
export const MAX_LINE_LENGTH = 8192;

/** One vector: its name (the file name without `.vec`), comments, and its fields in file order. */
export interface Vector {
  readonly name: string;
  readonly comments: readonly string[];
  readonly fields: readonly (readonly [string, string])[];
}

const KEY = /^[a-z][a-z0-9_]*$/;
/** Decimal digits, hex digits, `-`, or a word (a type, an error code): always one token without spaces. */
const VALUE = /^(?:[A-Za-z0-9_-]+)$/;

/** Parses the text of a vector file; throws on any line the format does not allow. */
export function parseVector(name: string, text: string): Vector {
  const comments: string[] = [];
  const fields: [string, string][] = [];
  text.split('\n').forEach((line, index) => {
    if (line.length > MAX_LINE_LENGTH) throw new Error(`${name}:${index + 1}: line longer than ${MAX_LINE_LENGTH}`);
    if (line === '') return;
    if (line.startsWith('#')) return void comments.push(line.replace(/^# ?/, ''));
    const parts = line.split(' ');
    if (parts.length !== 2 || !KEY.test(parts[0]!) || !VALUE.test(parts[1]!)) {
      throw new Error(`${name}:${index + 1}: expected "key value", got ${JSON.stringify(line.slice(0, 80))}`);
    }
    fields.push([parts[0]!, parts[1]!]);
  });
  return { name, comments, fields };
}

/** Renders a vector as its file text (comments first, then the fields, one per line, a final newline). */
export function formatVector(vector: Vector): string {
  const lines = [
    ...vector.comments.map((c) => (c === '' ? '#' : `# ${c}`)),
    ...vector.fields.map(([k, v]) => `${k} ${v}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Every committed vector, sorted by name. */
export function readVectors(dir = VECTOR_DIR): Vector[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(VECTOR_EXTENSION))
    .map((file) => parseVector(file.slice(0, -VECTOR_EXTENSION.length), readFileSync(join(dir, file), 'utf8')))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Typed access to a vector's fields; every accessor throws when the field is missing or malformed. */
export class Fields {
  constructor(readonly vector: Vector) {}

  /** Every value of `key`, in file order. */
  all(key: string): string[] {
    return this.vector.fields.filter(([k]) => k === key).map(([, v]) => v);
  }

  /** The single value of `key`. */
  text(key: string): string {
    const values = this.all(key);
    if (values.length !== 1) throw new Error(`${this.vector.name}: expected one "${key}", found ${values.length}`);
    return values[0]!;
  }

  /** A decimal integer that fits a JavaScript number exactly. */
  int(key: string): number {
    const value = this.u64(key);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.vector.name}: "${key}" too large`);
    return Number(value);
  }

  /** A decimal integer up to 2^64 - 1. */
  u64(key: string): bigint {
    const text = this.text(key);
    if (!/^[0-9]+$/.test(text)) throw new Error(`${this.vector.name}: "${key}" is not decimal: ${text}`);
    const value = BigInt(text);
    if (value >= 1n << 64n) throw new Error(`${this.vector.name}: "${key}" exceeds u64`);
    return value;
  }

  /** A hex byte string. */
  bytes(key: string): Uint8Array {
    return fromHex(this.text(key), `${this.vector.name}: "${key}"`);
  }

  /** Every value of a repeated hex key, in order. */
  allBytes(key: string): Uint8Array[] {
    return this.all(key).map((v) => fromHex(v, `${this.vector.name}: "${key}"`));
  }
}

/** Lowercase hex of `bytes`, `-` when empty. */
export function toHex(bytes: Uint8Array): string {
  return bytes.length === 0 ? '-' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The bytes of a hex string (`-` is empty); throws on odd length or non-hex digits. */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  if (text === '-') return new Uint8Array(0);
  if (!/^(?:[0-9a-f]{2})+$/.test(text)) throw new Error(`${what}: not a lowercase hex byte string`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}
