/**
 * Stage 1b: reads the protocol value tables (`schemas/*.tsv`): one header line naming
 * the columns, then one row a line; `#` starts a comment line; cells are separated by
 * tabs, and a missing trailing cell reads as "".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Table {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, string>>[];
}

export class TableError extends Error {
  override readonly name = 'TableError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export function parseTable(text: string, file: string, required: readonly string[] = []): Table {
  let columns: string[] | undefined;
  const rows: Record<string, string>[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split('\t').map((c) => c.trim());
    if (!columns) {
      columns = cells;
      for (const r of required) {
        if (!columns.includes(r)) throw new TableError(file, i + 1, `missing column "${r}"`);
      }
      return;
    }
    if (cells.length > columns.length) {
      throw new TableError(file, i + 1, `${cells.length} cells for ${columns.length} columns`);
    }
    const row: Record<string, string> = {};
    columns.forEach((c, k) => (row[c] = cells[k] ?? ''));
    for (const r of required) {
      if (row[r] === '') throw new TableError(file, i + 1, `empty "${r}"`);
    }
    rows.push(row);
  });
  if (!columns) throw new TableError(file, 1, 'no header line');
  return { file, columns, rows };
}

export function readTable(baseDir: string, file: string, required: readonly string[] = []): Table {
  return parseTable(readFileSync(join(baseDir, file), 'utf8'), file, required);
}
