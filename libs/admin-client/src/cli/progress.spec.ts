import { BAR_WIDTH, ProgressReporter } from './progress';

function sink(): { text: string; write(s: string): void } {
  return {
    text: '',
    write(s: string) {
      this.text += s;
    },
  };
}

describe('ProgressReporter', () => {
  it('redraws one line in place on a terminal and ends it once', () => {
    const out = sink();
    const p = new ProgressReporter(out, true, 'job-1');
    p.update('waiting', 0);
    p.update('active', 0.5);
    p.update('completed', 1);
    p.finish();
    p.finish();
    const frames = out.text.split('\r').slice(1);
    expect(frames).toHaveLength(3);
    expect(frames[1]).toBe(`job-1 [${'#'.repeat(BAR_WIDTH / 2)}${'-'.repeat(BAR_WIDTH / 2)}]  50% active   `);
    expect(frames[2]).toBe(`job-1 [${'#'.repeat(BAR_WIDTH)}] 100% completed\n`);
  });

  it('writes a line per state change or 10% step elsewhere, skipping polls that changed neither', () => {
    const out = sink();
    const p = new ProgressReporter(out, false, 'job-1');
    for (const [state, progress] of [['waiting', 0], ['waiting', 0], ['active', 0], ['active', 0.05], ['active', 0.12], ['active', 0.19], ['active', 0.5], ['completed', 1]] as const) {
      p.update(state, progress);
    }
    p.finish();
    expect(out.text.split('\n')).toEqual(['job-1 waiting 0%', 'job-1 active 0%', 'job-1 active 12%', 'job-1 active 50%', 'job-1 completed 100%', '']);
  });
});
