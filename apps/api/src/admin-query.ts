import { DomainError } from '@recsys/observability';

/** A `limit` query parameter: an integer 1..max, `fallback` when absent; 400 otherwise. */
export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new DomainError(400, 'invalid_limit', `limit must be an integer from 1 to ${max}`);
  }
  return Number(raw);
}
