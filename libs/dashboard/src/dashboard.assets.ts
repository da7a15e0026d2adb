import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One file the dashboard serves, read once into memory. */
export interface DashboardAsset {
  name: string;
  body: Buffer;
  contentType: string;
  /** A strong validator of the body (quoted, as the `ETag` header carries it). */
  etag: string;
  /** The `Cache-Control` header to answer with. */
  cacheControl: string;
}

/** The page's own files (next to this module, in `assets/`). */
export const DASHBOARD_OWN_FILES = ['dashboard.css', 'dashboard.js', 'prom-metrics.js'] as const;
/** The chart library's files: copied into `assets/vendor/` by the build, taken from the `uplot` package when run from source. */
export const DASHBOARD_VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;
/** Where the page is served. */
export const DASHBOARD_PATH = '/dashboard';
/** Where its assets are served: `${DASHBOARD_ASSETS_PATH}/<name>`. */
export const DASHBOARD_ASSETS_PATH = '/dashboard/assets';

/**
 * The page's Content-Security-Policy: scripts, styles and data from the API itself only; no frames, forms, plugins or
 * other origins.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Assets are named without hashes: a browser may keep one 5 minutes, then asks again with its ETag (a 304 when unchanged). */
const ASSET_CACHE = 'public, max-age=300';
/** The page is revalidated on every load, so a new build's asset list is seen at once. */
const PAGE_CACHE = 'no-cache';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function asset(name: string, body: Buffer, cacheControl: string): DashboardAsset {
  const contentType = CONTENT_TYPES[path.extname(name)];
  if (!contentType) throw new Error(`dashboard asset ${name}: no content type for its extension`);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { name, body, contentType, etag, cacheControl };
}

/** Where a vendor file is: the build's copy next to the compiled lib, else the installed package (running from source). */
function vendorFile(dir: string, name: string): string {
  const copied = path.join(dir, 'vendor', name);
  return fs.existsSync(copied) ? copied : require.resolve(`uplot/dist/${name}`);
}

/** The page and its assets, in memory. */
export class DashboardAssets {
  private readonly byName: ReadonlyMap<string, DashboardAsset>;

  constructor(
    readonly page: DashboardAsset,
    assets: readonly DashboardAsset[],
  ) {
    this.byName = new Map(assets.map((a) => [a.name, a]));
  }

  /** An asset by its name (`dashboard.js`); undefined for any other name. */
  get(name: string): DashboardAsset | undefined {
    return this.byName.get(name);
  }

  /** The names served under {@link DASHBOARD_ASSETS_PATH}. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/**
 * Reads the page (`dashboard.html`), its own files and the chart library from `dir` (default: `assets/` next to this
 * module, in the source tree or in dist) once.
 * @throws Error naming the file when one is missing: a build without its assets fails at startup, not on first view.
 */
export function loadDashboardAssets(dir = path.join(__dirname, 'assets')): DashboardAssets {
  const read = (file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new Error(`dashboard asset missing: ${file} (${(e as Error).message}); run the build (npm run build) or npm install`);
    }
  };
  const page = asset('dashboard.html', read(path.join(dir, 'dashboard.html')), PAGE_CACHE);
  const own = DASHBOARD_OWN_FILES.map((name) => asset(name, read(path.join(dir, name)), ASSET_CACHE));
  const vendor = DASHBOARD_VENDOR_FILES.map((name) => asset(name, read(vendorFile(dir, name)), ASSET_CACHE));
  return new DashboardAssets(page, [...own, ...vendor]);
}

/** Whether a request's `If-None-Match` header names the asset's current ETag (a 304 answers it). */
export function notModified(ifNoneMatch: string | string[] | undefined, a: DashboardAsset): boolean {
  if (!ifNoneMatch) return false;
  const values = (Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch).split(',').map((v) => v.trim().replace(/^W\//, ''));
  return values.includes(a.etag) || values.includes('*');
}
