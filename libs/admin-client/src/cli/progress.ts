import type { JobState } from '../admin-api.types';
import { clampFraction, formatPercent } from './format';

/** Where progress is drawn: only `write` is used. */
export interface TextSink {
  write(text: string): unknown;
}

/** Width of the in-place bar, in characters. */
export const BAR_WIDTH = 30;

/**
 * Draws a job's progress on a stream. On a terminal one line is redrawn in place (`\r`); elsewhere (a log file, a CI
 * log) a line is written each time the job's state changes or its progress reaches a new 10% step, so a log gets at
 * most a dozen lines.
 */
export class ProgressReporter {
  private lastState: JobState | null = null;
  private lastStep = -1;
  private drawn = false;

  constructor(
    private readonly sink: TextSink,
    private readonly isTTY: boolean,
    /** Names the job on each line, e.g. the job id. */
    private readonly label: string,
  ) {}

  /** Reports one poll's state and progress (0..1). */
  update(state: JobState, progress: number): void {
    const fraction = clampFraction(progress);
    if (this.isTTY) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      // Trailing spaces wipe what a longer earlier line (a longer state name) left behind.
      this.sink.write(`\r${this.label} [${bar}] ${formatPercent(fraction).padStart(4)} ${state.padEnd(9)}`);
      this.drawn = true;
      return;
    }
    const step = Math.floor(fraction * 10);
    if (state === this.lastState && step <= this.lastStep) return;
    this.lastState = state;
    this.lastStep = Math.max(step, this.lastStep);
    this.sink.write(`${this.label} ${state} ${formatPercent(fraction)}\n`);
  }

  /** Ends the in-place line, so what follows starts on a line of its own. Idempotent. */
  finish(): void {
    if (this.isTTY && this.drawn) this.sink.write('\n');
    this.drawn = false;
  }
}
