/**
 * Failure helpers shared by the codecs: every failure rxshm builds carries a message that names where it happened,
 * because PathReporter prints only the message when there is one.
 */
import * as t from 'io-ts';

/**
 * A readable path of an io-ts context: `.order.lines[2].price`, or `<root>` for the top level.
 * The first entry is the codec being decoded (key ''); object keys print as `.key`, numeric keys as `[i]`.
 */
export function pathOf(context: t.Context): string {
  let path = '';
  for (let i = 1; i < context.length; i++) {
    const key = context[i]!.key;
    if (key === '') continue;
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return path === '' ? '<root>' : path;
}

/** A validation error whose message is `<path>: <what>`. */
export function errorAt(value: unknown, context: t.Context, what: string): t.ValidationError {
  return { value, context, message: `${pathOf(context)}: ${what}` };
}

/** A failure whose message is `<path>: <what>`. */
export function failAt<A>(value: unknown, context: t.Context, what: string): t.Validation<A> {
  return t.failures([errorAt(value, context, what)]);
}

/** The failure of a non-Uint8Array input (possible from untyped callers, so checked rather than trusted). */
export function notBytes<A>(value: unknown, context: t.Context): t.Validation<A> {
  const got =
    value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  return failAt(value, context, `expected a Uint8Array, got ${got}`);
}
