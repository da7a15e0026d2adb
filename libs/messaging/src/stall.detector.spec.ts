import { StallDetector } from '@recsys/messaging';

describe('the lag watchdog', () => {
  it('reports a stall only after lag held or grew with nothing consumed for three checks', () => {
    const d = new StallDetector(3);
    expect(d.update(10, 0)).toBe(false);
    expect(d.update(12, 0)).toBe(false);
    expect(d.update(12, 0)).toBe(false);
    expect(d.update(15, 0)).toBe(true);
  });

  it('clears as soon as messages are consumed again', () => {
    const d = new StallDetector(2);
    d.update(5, 0);
    d.update(5, 0);
    expect(d.update(5, 0)).toBe(true);
    expect(d.update(3, 100)).toBe(false);
  });

  it('never reports a stall when there is no lag, however idle', () => {
    const d = new StallDetector(1);
    for (let i = 0; i < 5; i++) expect(d.update(0, 0)).toBe(false);
  });
});
