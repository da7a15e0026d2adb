import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseJsonl } from '../core/events';
import { main } from './cli';
import { convertShop } from './convert';

describe('convert', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const quiet = () => jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  it('writes the basket shop as contract event JSONL: products, then orders of purchases sharing a timestamp; same seed, same file', async () => {
    const spy = quiet();
    const a = path.join(dir, 'a.jsonl');
    const b = path.join(dir, 'b.jsonl');
    const c = path.join(dir, 'c.jsonl');
    expect(await main(['convert', '--format', 'shop', '--basket', '--users', '120', '--seed', '5', '--out', a])).toBe(0);
    expect(await main(['convert', '--format', 'shop', '--basket', '--users', '120', '--seed', '5', '--out', b])).toBe(0);
    expect(await main(['convert', '--format', 'shop', '--basket', '--users', '120', '--seed', '6', '--out', c])).toBe(0);
    spy.mockRestore();
    const text = fs.readFileSync(a, 'utf8');
    expect(fs.readFileSync(b, 'utf8')).toBe(text);
    expect(fs.readFileSync(c, 'utf8')).not.toBe(text);
    const lines = text.trim().split('\n');
    const { events, skipped } = parseJsonl(text);
    expect(skipped).toBe(0);
    expect(events.length).toBe(lines.length);
    expect(lines.every((l) => !('kind' in JSON.parse(l)))).toBe(true);
    const products = events.filter((e) => e.kind === 'product');
    expect(products.length).toBe(30 * 80);
    const purchases = events.filter((e) => e.kind === 'interaction' && e.type === 'purchase');
    expect(purchases.length).toBe(events.length - products.length);
    const orderKeys = new Set(purchases.map((e) => `${(e as { userId: string }).userId}@${e.ts}`));
    expect(purchases.length / orderKeys.size).toBeGreaterThan(2);
  });

  it('writes the click shop with the options given, as generateShop has it', () => {
    const out: string[] = [];
    const r = convertShop({ seed: 2, users: 10, categories: 3, itemsPerCategory: 4 }, (l) => out.push(l));
    expect(r).toEqual({ products: 12, interactions: 200, skipped: 0 });
    expect(out.length).toBe(212);
    expect(JSON.parse(out[12])).toMatchObject({ type: 'click' });
  });
});
