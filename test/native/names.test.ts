import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NAME_BYTES, nameProblem, validateName } from '../../src/native/names.js';
import { OpenSegmentError } from '../../src/native/index.js';

const test = suite('native names');

test('accepts printable names up to MAX_NAME_BYTES UTF-8 bytes', () => {
  for (const ok of ['x', 'rxshm.chat-1', 'héllo', 'emoji😀', 'a'.repeat(MAX_NAME_BYTES)])
    assert.is(nameProblem(ok), null, ok);
});

test('refuses empty, slash, NUL, control characters, lone surrogates, dot entries', () => {
  for (const bad of ['', 'a/b', '/x', 'a\0b', 'a\nb', 'bell\u0007', 'del\u007f', 'c1\u0085', 'half\uD800', '.', '..']) {
    assert.is(nameProblem(bad)?.code, 'InvalidName', JSON.stringify(bad));
  }
  assert.is(nameProblem(42)?.code, 'InvalidName');
});

test('NameTooLong counts UTF-8 bytes, not characters', () => {
  assert.is(nameProblem('a'.repeat(MAX_NAME_BYTES + 1))?.code, 'NameTooLong');
  assert.is(nameProblem('é'.repeat(127))?.code, 'NameTooLong'); // 127 chars, 254 bytes
});

test('validateName throws the operation class with the facts', () => {
  try {
    validateName('a/b', 'open');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, OpenSegmentError);
    assert.is(
      (error as OpenSegmentError).message,
      'Unable to open shared memory "a/b" since the name is invalid (it contains \'/\')',
    );
  }
});

test.run();
