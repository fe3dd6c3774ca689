import { textOf } from '../lib/format';

/**
 * CSV as RFC 4180 reads it: comma-separated, CRLF line ends, a field quoted when it holds a
 * comma, a quote, a line break or edge spaces, quotes doubled inside. NULL is an empty
 * field; objects and arrays are their JSON.
 */

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : textOf(v);
  // A text cell a spreadsheet would run as a formula is kept as text (OWASP CSV injection).
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Saves `text` as a file through a temporary object URL. */
export function downloadText(
  filename: string,
  text: string,
  type = 'text/csv;charset=utf-8',
): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started by the next task; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
