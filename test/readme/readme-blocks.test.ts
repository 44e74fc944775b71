/** tsBlocks / markerProblems: how README ts blocks and their snippet markers are found. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { markerProblems, tsBlocks } from './readme-blocks.js';

const test = suite('readme-blocks');

const md = [
  '# x',
  '```sh',
  'npm test',
  '```',
  '<!-- snippet: one -->',
  '',
  '```ts',
  "listen('a');",
  '```',
  '- a list item:',
  '  <!-- snippet: two -->',
  '  ```ts',
  '  const x = 1;',
  '    nested();',
  '  ```',
  '<!-- snippet: lost -->',
  'a paragraph between the marker and the block',
  '```typescript',
  'unmarked();',
  '```',
].join('\n');

test('ts blocks with their markers and lines; sh blocks are not snippets', () => {
  assert.equal(tsBlocks(md), [
    { id: 'one', line: 7, code: "listen('a');\n" },
    { id: 'two', line: 12, code: 'const x = 1;\n  nested();\n' },
    { id: null, line: 18, code: 'unmarked();\n' },
  ]);
});

test('problems: an unmarked block, a duplicated id, an id that is not kebab-case', () => {
  const blocks = tsBlocks(md.replace('snippet: two', 'snippet: one') + '\n<!-- snippet: Bad_Id -->\n```ts\n```\n');
  assert.equal(markerProblems(blocks), [
    "README.md:12: snippet id 'one' already used at line 7",
    "README.md:18: a ts block without a '<!-- snippet: <id> -->' marker on the line before",
    "README.md:22: snippet id 'Bad_Id' is not kebab-case",
  ]);
  assert.equal(markerProblems(tsBlocks(md).slice(0, 2)), []);
});

test.run();
