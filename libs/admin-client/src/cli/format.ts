/** Formats of single values in the CLI's text output; a missing value prints as `-`. */

/** What a missing value prints as. */
export const NONE = '-';

/** A value, or `-` when it is null, undefined or empty. */
export function orNone(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? NONE : value;
}

/** A metric such as NDCG@10 with `digits` decimals (default 4), or `-` when it is not a finite number. */
export function formatMetric(value: unknown, digits = 4): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : NONE;
}

/** A count, or `-` when it is not a finite number. */
export function formatCount(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : NONE;
}

/** A size in bytes in binary units (`512 B`, `1.5 KiB`, `12.0 MiB`), or `-`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return NONE;
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** An ISO 8601 time in UTC to the second (`2025-03-01T12:00:05Z`), or `-`; a string that is not a time is kept as it is. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return NONE;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 19)}Z`;
}

/** A fraction 0..1 as a whole percentage (`50%`), clamped to 0..100. */
export function formatPercent(fraction: number): string {
  return `${Math.round(clampFraction(fraction) * 100)}%`;
}

/** A progress value clamped to 0..1 (a non-number counts as 0). */
export function clampFraction(fraction: number): number {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
}
