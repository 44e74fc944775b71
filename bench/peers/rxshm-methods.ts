/**
 * The request/response methods both sides of the rxshm bench use: the same 64-byte object as struct and as json
 * (typed call()), and a raw echo for the calls section (connection.request() with bytes).
 */
import * as t from 'io-ts';
import { rxshm } from '../lib/library.js';

const { array, defineMethod, f64, fixedUtf8, json, struct, u32 } = rxshm;

/** 64 bytes as a struct: 4 + 8 + 8 + 28 + 16. */
export const SampleStruct = struct({ seq: u32, a: f64, b: f64, label: fixedUtf8(28), extra: array(u32, 4) });
export const SampleJson = json(
  t.type({ seq: t.number, a: t.number, b: t.number, label: t.string, extra: t.array(t.number) }),
);
export type Sample = t.TypeOf<typeof SampleJson>;

export const StructEcho = defineMethod(1, SampleStruct, SampleStruct);
export const JsonEcho = defineMethod(2, SampleJson, SampleJson);

export function sample(seq: number): Sample {
  return { seq, a: seq * 0.5, b: -seq, label: 'bench-sample', extra: [1, 2, 3, seq] };
}

/** Method id of the calls section: the peer's serve() answers with the request's own bytes. */
export const ECHO_METHOD = 3;
