/**
 * Fixed-size binary structs: fields packed back to back in `Object.keys` order, little-endian, no implicit padding
 * (add a `fixedBytes(n)` field to align by hand). Offsets are computed once at construction, so encode allocates
 * only the output `Uint8Array` (plus one `DataView`) and decode only the result object (plus one `DataView` and the
 * io-ts `Right`); strings, bigints, arrays and byte fields allocate their own values.
 *
 * A struct is itself a `FieldC`, so structs nest. `encode` assumes `is(a)`: check first (the `encode` operator does).
 */
import * as t from 'io-ts';
import { fieldType, INVALID, type FieldC } from './FieldC.js';
import type { OptionalC } from './optional.js';

/** The fields of a struct, by name (any field type: as io-ts's own Props, `unknown` would reject every codec). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = { readonly [key: string]: FieldC<any> };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches an optional field of any type
type OptionalKeys<P> = { [K in keyof P]: P[K] extends OptionalC<any> ? K : never }[keyof P];
type Flat<T> = { [K in keyof T]: T[K] };

/** The A side of `struct(P)`: `optional` fields become optional keys. */
export type StructOf<P extends Props> = Flat<
  { [K in Exclude<keyof P, OptionalKeys<P>>]: t.TypeOf<P[K]> } & { [K in OptionalKeys<P>]?: t.TypeOf<P[K]> }
>;

/** A struct codec; `size` is its fixed byte size and `offsets` the byte offset of each field. */
export interface StructC<P extends Props> extends FieldC<StructOf<P>> {
  readonly props: P;
  readonly offsets: { readonly [K in keyof P]: number };
}

/**
 * A fixed-size binary struct of `props`. Throws a `TypeError` at construction for a prop that is not a field codec,
 * or for an integer-like key (JavaScript would reorder it, silently changing the layout).
 *
 * @example
 * ```ts
 * const Point = struct({ x: f64, y: f64, label: fixedUtf8(8) });
 * Point.size; // 24
 * const bytes = Point.encode({ x: 1, y: 2, label: 'a' });
 * Point.decode(bytes); // Right({ x: 1, y: 2, label: 'a' })
 * ```
 */
export function struct<P extends Props>(props: P, name?: string): StructC<P> {
  const keys = Object.keys(props);
  const fields: FieldC<unknown>[] = [];
  const offsets: Record<string, number> = {};
  let size = 0;
  for (const key of keys) {
    const field = props[key]!;
    if (/^(0|[1-9]\d*)$/.test(key))
      throw new TypeError(`struct: integer-like field names are reordered by JavaScript, key=${key}`);
    if (key === '__proto__') throw new TypeError('struct: a field cannot be named __proto__, key=__proto__');
    if (!Number.isInteger(field?.size) || typeof field.read !== 'function' || typeof field.write !== 'function') {
      throw new TypeError(`struct: field is not a fixed-size field codec, key=${key}, codec=${String(field?.name)}`);
    }
    fields.push(field);
    offsets[key] = size;
    size += field.size;
  }
  const n = keys.length;
  const starts = keys.map((k) => offsets[k]!);
  type A = StructOf<P>;
  const { read, write } = compile<A>(keys, fields, starts);
  const base = fieldType<A>({
    name: name ?? `{ ${keys.map((k, i) => `${k}: ${fields[i]!.name}`).join(', ')} }`,
    size,
    is: (u): u is A => {
      if (typeof u !== 'object' || u === null) return false;
      const o = u as Record<string, unknown>;
      for (let i = 0; i < n; i++) if (!fields[i]!.is(o[keys[i]!])) return false;
      return true;
    },
    read,
    write,
    explain: (view, byteOffset, context) => {
      const errors: t.ValidationError[] = [];
      for (let i = 0; i < n; i++) {
        const field = fields[i]!;
        const at = byteOffset + starts[i]!;
        if (field.read(view, at) === INVALID)
          errors.push(...field.explain(view, at, t.appendContext(context, keys[i]!, field)));
      }
      return errors;
    },
  });
  return Object.assign(base, { props, offsets: offsets as StructC<P>['offsets'] });
}

/**
 * Generates `read` and `write` with one call site per field and an object literal of fixed shape: a generic loop
 * calls every field's `read` from one megamorphic site and grows the result key by key, which measured ~2x slower.
 * Keys enter the source only through `JSON.stringify`, fields only by index, so no user text is evaluated as code.
 */
function compile<A>(keys: string[], fields: FieldC<unknown>[], starts: number[]): Pick<FieldC<A>, 'read' | 'write'> {
  const reads = keys.map(
    (_, i) => `const v${i} = f[${i}].read(view, o + ${starts[i]}); if (v${i} === INVALID) return INVALID;`,
  );
  const literal = `{ ${keys.map((k, i) => `${JSON.stringify(k)}: v${i}`).join(', ')} }`;
  const writes = keys.map((k, i) => `f[${i}].write(view, o + ${starts[i]}, a[${JSON.stringify(k)}]);`);
  const factory = new Function(
    'f',
    'INVALID',
    `return {
      read: function read(view, o) { ${reads.join('\n')} return ${literal}; },
      write: function write(view, o, a) { ${writes.join('\n')} },
    };`,
  ) as (f: FieldC<unknown>[], invalid: typeof INVALID) => Pick<FieldC<A>, 'read' | 'write'>;
  return factory(fields, INVALID);
}
