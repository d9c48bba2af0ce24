/**
 * Text for a terminal, as the administration verbs (device, job) print it: rows under a
 * header in aligned columns, `name: value` lines, cells cut to one line, times in UTC.
 */

/** Rows under a header, columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** table(headers, rows), or the line `none` when there are no rows (not even a header). */
export function tableOrNone(none: string, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return rows.length === 0 ? `${none}\n` : table(headers, rows);
}

/** `name: value` lines, names aligned; a pair whose value is undefined is left out. */
export function fields(pairs: readonly (readonly [string, string | undefined])[]): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${(k + ':').padEnd(width + 1)}  ${v}`).join('\n') + '\n';
}

/** A time as ISO 8601 UTC to the second. */
export function when(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Text cut to `max` characters, control characters shown as escapes (one line per cell). */
export function cell(text: string, max = 40): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
