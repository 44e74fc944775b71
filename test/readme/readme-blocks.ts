/**
 * The code blocks of a Markdown file and their snippet markers: every ```ts block must be preceded (blank lines
 * allowed) by `<!-- snippet: <id> -->`, ids kebab-case and unique. Other fences (```sh, ...) are not snippets.
 * A block's code is its text as written, less the fence's own indentation (CommonMark: a fence inside a list item).
 */

/** A ```ts block: its marker id (null when unmarked), its 1-based fence line and its code. */
export interface TsBlock {
  readonly id: string | null;
  readonly line: number;
  readonly code: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const MARKER = /^\s*<!--\s*snippet:\s*(\S+)\s*-->\s*$/;
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Every ```ts (or ```typescript) block of `markdown`, in order. */
export function tsBlocks(markdown: string): TsBlock[] {
  const lines = markdown.split('\n');
  const blocks: TsBlock[] = [];
  let pending: string | null = null; // the marker seen since the last non-blank line
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = MARKER.exec(line);
    if (marker) {
      pending = marker[1]!;
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') pending = null;
      continue;
    }
    const [, indent, ticks, lang] = fence as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j]!;
      if (close.trim().startsWith(ticks) && close.trim().replace(/[`~]/g, '') === '') break;
      body.push(close.startsWith(indent) ? close.slice(indent.length) : close.trimStart());
    }
    if (lang === 'ts' || lang === 'typescript') blocks.push({ id: pending, line: i + 1, code: body.join('\n') + '\n' });
    pending = null;
    i = j;
  }
  return blocks;
}

/** What is wrong with the markers: unmarked blocks, bad or duplicated ids. Empty when all is well. */
export function markerProblems(blocks: readonly TsBlock[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const block of blocks) {
    if (block.id === null) {
      problems.push(`README.md:${block.line}: a ts block without a '<!-- snippet: <id> -->' marker on the line before`);
      continue;
    }
    if (!KEBAB.test(block.id)) problems.push(`README.md:${block.line}: snippet id '${block.id}' is not kebab-case`);
    const first = seen.get(block.id);
    if (first !== undefined)
      problems.push(`README.md:${block.line}: snippet id '${block.id}' already used at line ${first}`);
    else seen.set(block.id, block.line);
  }
  return problems;
}
