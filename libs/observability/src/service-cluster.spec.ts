import { ClusterHost, ClusterSupervisor, SupervisedWorker } from './service-cluster';

/** A cluster on paper: workers that exit when told, a clock that only moves when the test moves it, timers run by hand. */
class FakeCluster implements ClusterHost {
  workers: FakeWorker[] = [];
  exitCode: number | null = null;
  clock = 0;
  timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  private nextId = 1;

  fork(): SupervisedWorker {
    const w = new FakeWorker(this.nextId++);
    this.workers.push(w);
    return w;
  }
  exit(code: number): void {
    this.exitCode ??= code;
  }
  now(): number {
    return this.clock;
  }
  setTimer(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.clock + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  /** Moves the clock by `ms`, running the timers that fall due. */
  advance(ms: number): void {
    this.clock += ms;
    for (const t of this.timers.filter((t) => !t.cancelled && t.at <= this.clock)) {
      t.cancelled = true;
      t.fn();
    }
  }
  running(): FakeWorker[] {
    return this.workers.filter((w) => w.alive);
  }
  delays(): number[] {
    return this.timers.map((t) => t.at);
  }
}

class FakeWorker implements SupervisedWorker {
  alive = true;
  signals: NodeJS.Signals[] = [];
  private listener: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;
  constructor(readonly id: number) {}
  get pid(): number {
    return 1000 + this.id;
  }
  signal(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.listener = listener;
  }
  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.alive = false;
    this.listener?.(code, signal);
  }
}

const quiet = { log: () => undefined, warn: () => undefined, error: jest.fn() };

describe('the cluster supervisor', () => {
  beforeEach(() => quiet.error.mockClear());

  it('starts the workers and replaces one that is killed, after a short delay', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 2, quiet);
    sup.start();
    expect(host.running()).toHaveLength(2);
    host.workers[0].die(null, 'SIGKILL');
    expect(host.running()).toHaveLength(1);
    host.advance(250);
    expect(host.running()).toHaveLength(2);
    expect(sup.pids()).toEqual([1002, 1003]);
    expect(host.exitCode).toBeNull();
  });

  it('backs off between restarts and gives up with exit 1 on a crash loop', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 1, quiet, { restartLimit: 3, restartWindowMs: 60_000, restartDelayMs: 100, maxRestartDelayMs: 1_000 });
    sup.start();
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = host.clock;
      host.running()[0].die(1);
      const due = host.delays().at(-1) as number;
      gaps.push(due - before);
      host.advance(due - before);
    }
    expect(gaps).toEqual([100, 200, 400]);
    expect(host.running()).toHaveLength(1);
    host.running()[0].die(1);
    expect(quiet.error).toHaveBeenCalledWith(expect.stringContaining('crash loop'));
    expect(host.exitCode).toBe(1);
    expect(host.running()).toHaveLength(0);
  });

  it('forgets deaths older than the window', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 1, quiet, { restartLimit: 2, restartWindowMs: 60_000, restartDelayMs: 100 });
    sup.start();
    for (let i = 0; i < 6; i++) {
      host.running()[0].die(1);
      host.advance(61_000);
    }
    expect(host.exitCode).toBeNull();
    expect(host.running()).toHaveLength(1);
  });

  it('on SIGTERM forwards it to every worker, waits for all of them and exits 0', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 3, quiet);
    sup.start();
    sup.signal('SIGTERM');
    expect(host.workers.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM'], ['SIGTERM']]);
    host.workers[0].die(0);
    host.workers[1].die(0);
    expect(host.exitCode).toBeNull();
    // a worker still booting dies of the signal itself: a clean stop too, and no replacement
    host.workers[2].die(null, 'SIGTERM');
    host.advance(10_000);
    expect(host.workers).toHaveLength(3);
    expect(host.exitCode).toBe(0);
  });

  it('does not restart a worker whose restart was pending when the signal came', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 2, quiet);
    sup.start();
    host.workers[0].die(1);
    sup.signal('SIGINT');
    host.workers[1].die(0);
    host.advance(10_000);
    expect(host.workers).toHaveLength(2);
    expect(host.exitCode).toBe(0);
  });

  it('exits 1 when a worker fails to stop cleanly, or is killed after the grace', () => {
    const failing = new FakeCluster();
    const a = new ClusterSupervisor(failing, 2, quiet);
    a.start();
    a.signal('SIGTERM');
    failing.workers[0].die(0);
    failing.workers[1].die(1);
    expect(failing.exitCode).toBe(1);

    const stuck = new FakeCluster();
    const b = new ClusterSupervisor(stuck, 1, quiet, { shutdownGraceMs: 30_000 });
    b.start();
    b.signal('SIGTERM');
    stuck.advance(30_000);
    expect(stuck.workers[0].signals).toEqual(['SIGTERM', 'SIGKILL']);
    stuck.workers[0].die(null, 'SIGKILL');
    expect(stuck.exitCode).toBe(1);
  });

  it('kills the workers and exits 1 at once on a second signal', () => {
    const host = new FakeCluster();
    const sup = new ClusterSupervisor(host, 2, quiet);
    sup.start();
    sup.signal('SIGINT');
    sup.signal('SIGINT');
    expect(host.workers.map((w) => w.signals)).toEqual([['SIGINT', 'SIGKILL'], ['SIGINT', 'SIGKILL']]);
    expect(host.exitCode).toBe(1);
  });
});
