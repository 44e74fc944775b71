/** headerFor: the imports a README snippet runs under. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { headerFor } from './header.js';

const test = suite('header');

const exports = {
  rxshm: ['listen', 'connect', 'serve', 'utf8', 'request'],
  rxjs: ['map', 'switchMap', 'connect', 'of', 'take'],
};

test('imports what the code uses from rxshm (which wins connect) and rxjs', () => {
  assert.is(
    headerFor(["connect('x').pipe(switchMap((c) => of(c)))"], exports),
    "import { connect } from 'rxshm';\nimport { of, switchMap } from 'rxjs';\n",
  );
});

test('not what the code imports or declares itself, nor members, comments or strings', () => {
  const code = [
    "import { listen } from 'rxshm';",
    'const take = 1;',
    "connection.request(utf8.encode('map of serve')); // take, serve",
    '/* switchMap */ const { b: of, c = 1 } = { b: 2 };',
  ].join('\n');
  assert.is(headerFor([code], exports), "import { utf8 } from 'rxshm';\n");
});

test('io-ts as t when the code uses t.', () => {
  assert.is(headerFor(['const T = t.type({ id: t.string });'], exports), "import * as t from 'io-ts';\n");
  assert.is(headerFor(['const t = 1; t.toFixed();'], exports), '\n');
});

test.run();
