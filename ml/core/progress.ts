/** A tiny progress bar on stderr: redraws in place on a TTY, prints a line every 10% otherwise. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export class ProgressBar {
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly started = Date.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly enabled = true,
  ) {}

  update(done: number, note = ''): void {
    if (!this.enabled || this.total <= 0) return;
    const frac = Math.min(1, done / this.total);
    const now = Date.now();
    if (this.stream.isTTY) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.stream.write(`\r${this.label} [${bar}] ${(frac * 100).toFixed(1)}% ${this.eta(frac)} ${note}`.slice(0, 160) + '\x1b[K');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(`${this.label} ${decile * 10}% ${this.eta(frac)} ${note}\n`);
    }
  }

  finish(note = ''): void {
    if (!this.enabled) return;
    this.update(this.total, note);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private eta(frac: number): string {
    const el = (Date.now() - this.started) / 1000;
    if (frac <= 0) return `${el.toFixed(0)}s`;
    return `${el.toFixed(0)}s/eta ${Math.max(0, el / frac - el).toFixed(0)}s`;
  }
}
