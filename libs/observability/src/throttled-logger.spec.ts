import { ThrottledLogger } from './throttled-logger';

describe('throttled warnings', () => {
  it('logs the first warning, then at most one per interval', () => {
    let clock = 1000;
    const log = new ThrottledLogger('test', 10_000, () => clock);
    expect(log.warn('a')).toBe(true);
    clock = 10_999;
    expect(log.warn('b')).toBe(false);
    clock = 11_000;
    expect(log.warn('c')).toBe(true);
  });
});
