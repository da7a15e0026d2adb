/** Context keys of an interaction (hour of day, device, optionally the user): the same keys at training and at serving. */
import { hashString } from '../core/rng';

/** Hashed context keys for an event at `ts` (epoch ms) with the event's `context` (its `device` is used), and the user when given. */
export function contextKeys(ts: number, context: Record<string, unknown> | undefined, userId?: string): number[] {
  const hour = new Date(ts).getUTCHours();
  const keys = [hashString(`hour:${hour}`)];
  const device = context && typeof context.device === 'string' ? context.device : 'unknown';
  keys.push(hashString(`device:${device}`));
  if (userId !== undefined) keys.push(hashString(`user:${userId}`));
  return keys;
}
