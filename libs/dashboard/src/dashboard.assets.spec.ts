import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DASHBOARD_OWN_FILES, DASHBOARD_VENDOR_FILES, loadDashboardAssets, notModified } from './dashboard.assets';

describe('the dashboard assets', () => {
  it('reads the page, its own files and uPlot once, each with its content type, ETag and caching', () => {
    const assets = loadDashboardAssets();
    expect(assets.page).toMatchObject({ name: 'dashboard.html', contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache' });
    expect(assets.names().sort()).toEqual([...DASHBOARD_OWN_FILES, ...DASHBOARD_VENDOR_FILES].sort());
    expect(assets.get('dashboard.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('uPlot.min.css')?.contentType).toBe('text/css; charset=utf-8');
    // from source, uPlot comes from the installed package
    const uplot = assets.get('uPlot.iife.min.js')!;
    expect(uplot.body.equals(fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')))).toBe(true);
    expect(uplot.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(assets.get('dashboard.js')?.etag).not.toBe(uplot.etag);
    expect(uplot.cacheControl).toBe('public, max-age=300');
    for (const name of ['../index.ts', 'prom-metrics.d.ts', 'dashboard.html', '']) expect(assets.get(name)).toBeUndefined();
  });

  it('the page loads only its own scripts and styles: no other origin, no inline script', () => {
    const html = loadDashboardAssets().page.body.toString('utf8');
    expect(html).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.filter((r) => r !== 'data:,').sort()).toEqual(
      ['/dashboard/assets/dashboard.css', '/dashboard/assets/dashboard.js', '/dashboard/assets/prom-metrics.js', '/dashboard/assets/uPlot.iife.min.js', '/dashboard/assets/uPlot.min.css'].sort(),
    );
  });

  it('prefers the build\'s copies next to the compiled lib, and names a missing file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-dashboard-'));
    try {
      for (const name of ['dashboard.html', ...DASHBOARD_OWN_FILES]) fs.writeFileSync(path.join(dir, name), `/* ${name} */`);
      fs.mkdirSync(path.join(dir, 'vendor'));
      fs.writeFileSync(path.join(dir, 'vendor', 'uPlot.iife.min.js'), '/* copied */');
      const assets = loadDashboardAssets(dir);
      expect(assets.get('uPlot.iife.min.js')?.body.toString()).toBe('/* copied */');
      // the stylesheet was not copied: the package's
      expect(assets.get('uPlot.min.css')?.body.length).toBeGreaterThan(100);
      fs.rmSync(path.join(dir, 'dashboard.js'));
      expect(() => loadDashboardAssets(dir)).toThrow(/dashboard asset missing: .*dashboard\.js/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers If-None-Match with the current ETag (or a list holding it) as not modified', () => {
    const a = loadDashboardAssets().get('dashboard.css')!;
    expect(notModified(a.etag, a)).toBe(true);
    expect(notModified(`"other", W/${a.etag}`, a)).toBe(true);
    expect(notModified('*', a)).toBe(true);
    expect(notModified('"other"', a)).toBe(false);
    expect(notModified(undefined, a)).toBe(false);
  });
});
