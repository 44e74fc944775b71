/** Markdown table building shared by the report's sections: a header, a rule (numbers right-aligned), rows. */

const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** One table; the first `textColumns` columns are left-aligned (names), the others right-aligned (numbers). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const rule = line(header.map((_, i) => (i < textColumns ? '---' : '---:')));
  return [line(header), rule, ...rows.map(line)].join('\n');
}
