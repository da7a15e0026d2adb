/**
 * The watchdog's rule: the consumer is stalled when, for `ticks` checks in a row, messages are
 * waiting (lag > 0), the lag did not shrink, and nothing was consumed. Default 3 checks.
 */
export class StallDetector {
  private lastLag = 0;
  /** Nothing observed yet: the first check only sets the baseline. */
  private lastConsumed = Number.NaN;
  private strikes = 0;

  constructor(private readonly ticks = 3) {}

  /** Feeds one check; returns whether the consumer counts as stalled now. */
  update(lag: number, consumed: number): boolean {
    const idle = consumed === this.lastConsumed;
    if (lag > 0 && lag >= this.lastLag && idle) this.strikes++;
    else this.strikes = 0;
    this.lastLag = lag;
    this.lastConsumed = consumed;
    return this.strikes >= this.ticks;
  }
}
