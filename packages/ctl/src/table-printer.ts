// Prints a server-side Table the way kubectl does: upper-case headers, columns padded by 3 spaces.

export interface ServerTable {
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[]; object?: { metadata?: { namespace?: string; name?: string; labels?: Record<string, string> } } }[];
}

export interface PrintOptions {
  wide?: boolean;
  withNamespace?: boolean;
  showLabels?: boolean;
  /** Prefix names with `kind.group/` as kubectl does when several types are listed. */
  kindPrefix?: string;
  noHeaders?: boolean;
}

export function formatTable(t: ServerTable, o: PrintOptions = {}): string[][] {
  const cols = t.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => o.wide || c.priority === 0);
  const header = cols.map(({ c }) => c.name.toUpperCase());
  if (o.withNamespace) header.unshift('NAMESPACE');
  if (o.showLabels) header.push('LABELS');
  const rows = t.rows.map((r) => {
    const cells = cols.map(({ c, i }) => {
      const v = r.cells[i];
      const s = v === undefined || v === null ? '' : String(v);
      return c.name === 'Name' && o.kindPrefix ? `${o.kindPrefix}/${s}` : s;
    });
    if (o.withNamespace) cells.unshift(r.object?.metadata?.namespace ?? '');
    if (o.showLabels) cells.push(Object.entries(r.object?.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>');
    return cells;
  });
  return o.noHeaders ? rows : [header, ...rows];
}

export function renderRows(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}
