// Stands in for tsx inside the compiled Windows test tree (.cache/windows/run): tsx's esbuild binary is Linux's and
// cannot run under the Windows node.exe, so the tests are compiled by tsc beforehand and `node --import tsx x.ts`
// (as the test helpers spawn children) runs the compiled x.js instead. Only .ts -> .js is rewritten.
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
