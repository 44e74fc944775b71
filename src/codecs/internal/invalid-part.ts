/**
 * Where a value fails its codec, for EncodeError: io-ts `is` answers only yes or no, so this walks the codecs
 * rxshm builds (struct fields, array elements, optional's inner field, json's io-ts type) down to the first part
 * that fails, the way DecodeError's paths point into bytes.
 */
import * as t from 'io-ts';
import type { FieldC } from '../FieldC.js';

/** The first failing part of a value: its path (`''` for the value itself), the part, and the codec it fails. */
export interface InvalidPart {
  /** `seq`, `pos.x`, `bids[2]`; `''` when the value as a whole fails. */
  readonly path: string;
  /** The failing part of the value. */
  readonly value: unknown;
  /** The name of the codec that part fails. */
  readonly expected: string;
}

/** What the walk needs of a codec: a name and `is`; the rest is read when present. */
export type Checkable = Pick<t.Type<unknown>, 'name' | 'is'>;

type Key = string | number;

/**
 * The first part of `value` that fails `codec`, or null when `codec.is(value)` holds. Struct fields are tried in
 * layout order, array elements by index; a codec without parts (a number field, `utf8`, a user's io-ts type) is
 * itself the failing part.
 * @example
 * invalidPart(struct({ seq: u32 }), { seq: -1 }); // { path: 'seq', value: -1, expected: 'u32' }
 */
export function invalidPart(codec: Checkable, value: unknown): InvalidPart | null {
  if (codec.is(value)) return null;
  const found = walk(codec, value, []);
  return { path: format(found.keys), value: found.value, expected: found.expected };
}

interface Found {
  readonly keys: Key[];
  readonly value: unknown;
  readonly expected: string;
}

/** Called only for a value that fails `codec`. */
function walk(codec: Checkable, value: unknown, keys: Key[]): Found {
  const here: Found = { keys, value, expected: codec.name };
  const parts = codec as Partial<{
    props: Record<string, FieldC<unknown>>;
    field: FieldC<unknown>;
    optional: true;
    element: FieldC<unknown>;
    length: number;
    type: t.Any;
  }>;
  if (parts.props !== undefined && typeof parts.props === 'object') {
    if (typeof value !== 'object' || value === null) return here;
    for (const key of Object.keys(parts.props)) {
      const field = parts.props[key]!;
      const part = (value as Record<string, unknown>)[key];
      if (!field.is(part)) return walk(field, part, [...keys, key]);
    }
    return here;
  }
  if (parts.optional === true && parts.field !== undefined) return walk(parts.field, value, keys); // not undefined: it failed
  if (parts.element !== undefined && typeof parts.length === 'number') {
    if (!Array.isArray(value) || value.length !== parts.length) return here;
    const index = value.findIndex((part) => !parts.element!.is(part));
    return index < 0 ? here : walk(parts.element, value[index], [...keys, index]);
  }
  if (parts.type instanceof t.Type) return fromIoTs(parts.type, value, keys) ?? here;
  return here;
}

/** json(type): io-ts validates the value itself, and its first error's context is the path. */
function fromIoTs(type: t.Any, value: unknown, keys: Key[]): Found | null {
  const result = type.validate(value, [{ key: '', type, actual: value }]);
  if (result._tag === 'Right' || result.left.length === 0) return null;
  const { context, value: part } = result.left[0]!;
  const path = [...keys];
  for (let i = 1; i < context.length; i++) {
    const { key } = context[i]!;
    const parent = context[i - 1]!;
    const tag = (parent.type as { _tag?: string })._tag;
    // A union fails as a whole (io-ts reports every member, keyed by member index): name the union, not member 0.
    if (tag === 'UnionType') return { keys: path, value: parent.actual, expected: parent.type.name };
    // Intersection members are keyed by index too, but sit at the same place in the value.
    if (tag === 'IntersectionType' || key === '') continue;
    path.push(Array.isArray(parent.actual) && /^\d+$/.test(key) ? Number(key) : key);
  }
  return { keys: path, value: part, expected: context[context.length - 1]!.type.name };
}

/** `pos.x`, `bids[2]`, `orders[0].price`. */
function format(keys: readonly Key[]): string {
  let path = '';
  for (const key of keys) path += typeof key === 'number' ? `[${key}]` : path === '' ? key : `.${key}`;
  return path;
}
