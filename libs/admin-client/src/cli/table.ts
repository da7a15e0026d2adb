/** One column of a text table. */
export interface Column {
  header: string;
  /** Numbers read best right-aligned. Default `left`. */
  align?: 'left' | 'right';
}

/** Columns are separated by this many spaces. */
const GAP = '  ';

/**
 * An aligned text table: a header line, then one line per row, each column as wide as its widest cell. Cells are put
 * on one line (line breaks and tabs become spaces); trailing spaces are trimmed. A row shorter than `columns` is padded
 * with empty cells.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((_, i) => oneLine(r[i] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => width(r[i]))));
  return cells
    .map((r) => r.map((cell, i) => pad(cell, widths[i], columns[i].align ?? 'left')).join(GAP).trimEnd())
    .join('\n');
}

/**
 * A readable block of `label  value` lines, the values aligned after the longest label. A value of several lines keeps
 * them, each indented under the first.
 */
export function formatBlock(pairs: readonly (readonly [label: string, value: string])[]): string {
  const labelWidth = Math.max(0, ...pairs.map(([label]) => width(label)));
  const indent = ' '.repeat(labelWidth + GAP.length);
  return pairs
    .map(([label, value]) => `${pad(label, labelWidth, 'left')}${GAP}${value.split('\n').join(`\n${indent}`)}`.trimEnd())
    .join('\n');
}

function oneLine(s: string): string {
  // A line break inside a cell would break the table.
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

// Code points, not UTF-16 units, so that a name with an emoji or an accented letter does not shift its row.
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return align === 'right' ? fill + s : s + fill;
}
