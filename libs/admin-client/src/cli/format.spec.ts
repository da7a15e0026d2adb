import { formatBytes, formatCount, formatMetric, formatPercent, formatTime, orNone } from './format';

describe('value formats', () => {
  it('prints metrics with four decimals and a dash for what was not measured', () => {
    expect(formatMetric(0.14012)).toBe('0.1401');
    expect(formatMetric(1, 2)).toBe('1.00');
    expect([null, undefined, Number.NaN, '0.1'].map((v) => formatMetric(v))).toEqual(['-', '-', '-', '-']);
    expect(formatCount(1200)).toBe('1200');
    expect(formatCount(undefined)).toBe('-');
  });

  it('prints sizes in binary units', () => {
    expect([0, 512, 1536, 1_572_864, 5 * 1024 ** 3, null].map(formatBytes)).toEqual(['0 B', '512 B', '1.5 KiB', '1.5 MiB', '5.0 GiB', '-']);
  });

  it('prints times in UTC to the second and keeps a string that is not a time', () => {
    expect(formatTime('2025-03-02T10:00:05.123Z')).toBe('2025-03-02T10:00:05Z');
    expect(formatTime('2025-03-02T12:00:05+02:00')).toBe('2025-03-02T10:00:05Z');
    expect(formatTime('soon')).toBe('soon');
    expect(formatTime(null)).toBe('-');
  });

  it('prints progress as a clamped whole percentage', () => {
    expect([0, 0.5, 0.126, 1.7, -1, Number.NaN].map(formatPercent)).toEqual(['0%', '50%', '13%', '100%', '0%', '0%']);
    expect([null, '', 'x'].map(orNone)).toEqual(['-', '-', 'x']);
  });
});
