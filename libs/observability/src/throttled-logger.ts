import { Logger } from '@nestjs/common';

/** How often (ms) a throttled warning is logged at most. Default 10 s. */
export const WARN_EVERY_MS = 10_000;

/**
 * Warnings of something that can repeat many times a second (a Redis outage seen by every request or write): the
 * first is logged, then at most one per `everyMs`; the ones in between are dropped (metrics count them, not the log).
 */
export class ThrottledLogger {
  private readonly logger: Logger;
  private last = -Infinity;

  constructor(
    context: string,
    private readonly everyMs: number = WARN_EVERY_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.logger = new Logger(context);
  }

  /** Logs `message` as a warning unless one was logged less than `everyMs` ago. Returns whether it was. */
  warn(message: string): boolean {
    const t = this.now();
    if (t - this.last < this.everyMs) return false;
    this.last = t;
    this.logger.warn(message);
    return true;
  }
}
