/**
 * Tables as padded Markdown text: readable on a terminal and valid in `docs/`, so the
 * summary the bench prints and the report it writes are the same tables. Also the
 * number formats the tables use.
 */

/** Column alignment. */
export type Alignment = 'left' | 'right';

/** A Markdown table with every column padded to its widest cell. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Alignment[]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const alignment = headers.map((_, i) => align?.[i] ?? (i === 0 ? 'left' : 'right'));
  const pad = (text: string, i: number): string =>
    alignment[i] === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: readonly string[]): string => `| ${headers.map((_, i) => pad(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (alignment[i] === 'right' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** An integer or a figure with a sensible number of digits, with thousands separators. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A ratio as `0.42x`, or an em dash when there is none. */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value >= 10 ? `${value.toFixed(1)}x` : `${value.toFixed(2)}x`;
}

/** A byte count in KiB with one decimal. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A byte count in MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** yes / no / — for a derived flag. */
export function formatFlag(value: boolean | null | undefined): string {
  return value === null || value === undefined ? '—' : value ? 'yes' : 'no';
}
