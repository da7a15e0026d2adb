import http from 'node:http';
import { RunningService, startService } from '../support/services';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';

const PORT = 3940;

/** GET on a connection of its own (no keep-alive), so the cluster deals it to a worker afresh; gives up after `timeoutMs`. */
function freshGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    // a connection handed to a worker at the moment it died is never answered: try again on another
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The pid of the worker that answered a fresh `/health/live`, or null when none did. */
async function livePid(url: string): Promise<number | null> {
  try {
    const r = await freshGet(`${url}/health/live`);
    return r.status === 200 ? (JSON.parse(r.body) as { pid: number }).pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the API as a cluster of two workers (API_WORKERS=2)', () => {
  const config = isolatedConfig({ API_WORKERS: '2', PORT: String(PORT), HOST: '127.0.0.1' });
  const seen = new Set<number>();
  let api: RunningService;

  beforeAll(async () => {
    api = await startService('api', config, PORT);
  });
  afterAll(async () => {
    await api?.stop('SIGKILL');
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('deals fresh connections to two worker processes, and /metrics on any of them counts the requests of both', async () => {
    let answered = 0;
    const both = await eventually(async () => {
      const pid = await livePid(api.url);
      if (pid !== null) {
        answered++;
        seen.add(pid);
      }
      return seen.size >= 2;
    }, 120_000, 20);
    expect({ both, output: both ? '' : api.output() }).toEqual({ both: true, output: '' });
    expect(seen.has(api.proc.pid as number)).toBe(false);

    const countOf = async (): Promise<number> => {
      const res = await fetch(`${api.url}/metrics`);
      if (res.status !== 200) return -1;
      const m = /^recsys_http_request_duration_seconds_count\{route="\/health\/live",method="GET",status="200"\} (\d+)$/m.exec(await res.text());
      return m ? Number(m[1]) : 0;
    };
    // each worker counts only what it answered; the sum reaches what both answered (a count lands just after its reply)
    let count = 0;
    await eventually(async () => (count = await countOf()) >= answered, 30_000, 100);
    expect(count).toBeGreaterThanOrEqual(answered);
  });

  it('replaces a worker killed with SIGKILL and keeps answering', async () => {
    const [victim] = [...seen];
    process.kill(victim, 'SIGKILL');
    const after = new Set<number>();
    const replaced = await eventually(async () => {
      const pid = await livePid(api.url);
      if (pid !== null) after.add(pid);
      return [...after].some((p) => !seen.has(p));
    }, 120_000, 20);
    expect({ replaced, output: replaced ? '' : api.output() }).toEqual({ replaced: true, output: '' });
    expect(after.has(victim)).toBe(false);
    expect(isRunning(victim)).toBe(false);
    expect(api.proc.exitCode).toBeNull();
    for (const pid of after) seen.add(pid);
    expect(await livePid(api.url)).toEqual(expect.any(Number));
  });

  it('stops on SIGTERM: every worker exits, then the primary with 0', async () => {
    const workers = [...seen].filter(isRunning);
    expect(workers.length).toBe(2);
    expect(await api.stop('SIGTERM')).toBe(0);
    expect(workers.filter(isRunning)).toEqual([]);
  });
});
