/**
 * The monitoring of infra/ against the real services: the committed Prometheus configuration passes promtool and its
 * alert rules pass their unit tests; every metric the Grafana dashboard and the alerts query is one the services
 * export (a renamed metric fails here, not on a blank panel); and a real Prometheus scraping api, ingest and trainer
 * sees all three up and the CTR series of a click attributed through a signed requestId, labelled with the version
 * that served it.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { IngestFixture } from '../support/ingest-fixture';
import { ROOT, RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const PROMETHEUS_DIR = path.join(ROOT, 'infra/prometheus');
const PROMETHEUS_CONFIG = path.join(PROMETHEUS_DIR, 'prometheus.yml');
const ALERTS = path.join(PROMETHEUS_DIR, 'alerts.yml');
const GRAFANA_DIR = path.join(ROOT, 'infra/grafana');
const DASHBOARD = path.join(GRAFANA_DIR, 'dashboards/recsys.json');
const DATASOURCE = path.join(GRAFANA_DIR, 'provisioning/datasources/prometheus.yml');
const DASHBOARD_PROVIDER = path.join(GRAFANA_DIR, 'provisioning/dashboards/recsys.yml');

const SERVICES = { api: 3965, ingest: 3966, trainer: 3967 } as const;
type ServiceName = keyof typeof SERVICES;
const PROMETHEUS_PORT = 3969;
const PROMETHEUS_URL = `http://127.0.0.1:${PROMETHEUS_PORT}`;

/** The docker-compose targets of the committed file, one per job. */
const COMMITTED_TARGETS: Record<ServiceName, string> = { api: 'api:3000', ingest: 'ingest:3001', trainer: 'trainer:3002' };

/**
 * The committed prometheus.yml with each job's target and the global scrape interval replaced. Throws when the file
 * no longer holds exactly one of each, so a restructured file fails loudly instead of scraping the wrong thing.
 */
function prometheusConfigFor(targets: Record<ServiceName, string>, scrapeInterval: string): string {
  let text = fs.readFileSync(PROMETHEUS_CONFIG, 'utf8');
  const replaceOnce = (from: string, to: string): void => {
    const n = text.split(from).length - 1;
    if (n !== 1) throw new Error(`${PROMETHEUS_CONFIG}: expected "${from}" once, found it ${n} times`);
    text = text.replace(from, to);
  };
  for (const name of Object.keys(COMMITTED_TARGETS) as ServiceName[]) replaceOnce(`"${COMMITTED_TARGETS[name]}"`, `"${targets[name]}"`);
  replaceOnce('  scrape_interval: 15s', `  scrape_interval: ${scrapeInterval}`);
  return text;
}

interface GrafanaTarget {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}
interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

/** Every panel of the dashboard, including those inside collapsed rows. */
function dashboardPanels(): GrafanaPanel[] {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: GrafanaPanel[] };
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** The query of every target of every panel, as written (with Grafana's variables). */
function dashboardQueries(): string[] {
  return dashboardPanels().flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** The metric names a PromQL expression selects (label values and strings removed first). */
function metricNamesIn(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(bare.match(/\brecsys_[a-zA-Z0-9_:]+/g) ?? [])];
}

/** The series names an exposition text declares: each `# TYPE`, and a histogram's or summary's sample suffixes. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1] + s);
  }
  return names;
}

/** Grafana's interval variables replaced with windows Prometheus accepts, for checking a query outside Grafana. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval/g, '1m').replace(/\$__range/g, '5m').replace(/\$__interval/g, '15s');
}

function promtool(args: string[], cwd = ROOT): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}): install it (Debian/Ubuntu: apt-get install prometheus; npm test does as root)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface PromVector {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function promQuery(query: string): Promise<PromVector> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`);
  return (await res.json()) as PromVector;
}

describe('the committed monitoring configuration', () => {
  it('prometheus.yml and its rules pass promtool check config', () => {
    const r = promtool(['check', 'config', PROMETHEUS_CONFIG]);
    expect(r).toEqual({ status: 0, output: expect.stringContaining('is valid prometheus config file syntax') });
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the alert rules pass their unit tests (alerts.test.yml)', () => {
    const r = promtool(['test', 'rules', 'alerts.test.yml'], PROMETHEUS_DIR);
    expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('scrapes the three services every 15 s, under their docker-compose names', () => {
    const text = fs.readFileSync(PROMETHEUS_CONFIG, 'utf8');
    for (const [job, target] of Object.entries(COMMITTED_TARGETS)) {
      expect(text).toMatch(new RegExp(`job_name: ${job}\\n\\s+static_configs:\\n\\s+- targets: \\["${target}"\\]`));
    }
    // and the substitution the test below relies on still finds them
    expect(prometheusConfigFor({ api: 'a:1', ingest: 'b:2', trainer: 'c:3' }, '1s')).toContain('"c:3"');
  });

  it('the dashboard is well formed and queries the provisioned datasource', () => {
    const uid = fs.readFileSync(DATASOURCE, 'utf8').match(/^\s+uid: (\S+)$/m)?.[1];
    expect(uid).toBeDefined();
    expect(fs.readFileSync(DATASOURCE, 'utf8')).toMatch(/^\s+url: http:\/\/prometheus:9090$/m);
    const panels = dashboardPanels();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const queried = panels.filter((p) => p.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(10);
    for (const p of queried) {
      expect([p.title, p.datasource?.uid]).toEqual([p.title, uid]);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets!) {
        expect([p.title, t.datasource?.uid]).toEqual([p.title, uid]);
        // each query reads at least one of the services' metrics
        expect([p.title, metricNamesIn(t.expr).length > 0]).toEqual([p.title, true]);
      }
    }
    // the provider reads the folder docker-compose mounts the dashboards at
    const providerPath = fs.readFileSync(DASHBOARD_PROVIDER, 'utf8').match(/^\s+path: (\S+)$/m)?.[1];
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`./infra/grafana/dashboards:${providerPath}:ro`);
    expect(compose).toContain('./infra/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(compose).toContain('./infra/prometheus:/etc/prometheus:ro');
  });
});

describe('Prometheus scraping the running services', () => {
  const config = isolatedConfig({
    PORT: String(SERVICES.api),
    INGEST_PORT: String(SERVICES.ingest),
    TRAINER_PORT: String(SERVICES.trainer),
    HOST: '127.0.0.1',
  });
  const fx = new IngestFixture(config);
  const services: Partial<Record<ServiceName, RunningService>> = {};
  let workDir = '';
  let prometheus: ChildProcess | null = null;
  let prometheusOutput = '';

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-prometheus-'));
    await fx.setUp();
    await Promise.all((Object.keys(SERVICES) as ServiceName[]).map(async (name) => (services[name] = await startService(name, config, SERVICES[name]))));

    const configFile = path.join(workDir, 'prometheus.yml');
    const targets = Object.fromEntries(Object.entries(SERVICES).map(([name, port]) => [name, `127.0.0.1:${port}`])) as Record<ServiceName, string>;
    fs.writeFileSync(configFile, prometheusConfigFor(targets, '1s'));
    // the rule file is resolved next to the config file
    fs.copyFileSync(ALERTS, path.join(workDir, 'alerts.yml'));
    const check = promtool(['check', 'config', configFile]);
    if (check.status !== 0) throw new Error(`the test's copy of prometheus.yml is invalid:\n${check.output}`);

    prometheus = spawn('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let spawnFailed = false;
    prometheus.on('error', (err) => {
      spawnFailed = true;
      prometheusOutput += `could not start prometheus (${err.message}): install it (Debian/Ubuntu: apt-get install prometheus; npm test does as root)\n`;
    });
    prometheus.stdout?.on('data', (d: Buffer) => (prometheusOutput += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (prometheusOutput += d.toString()));
    const ready = await eventually(async () => {
      if (spawnFailed || prometheus!.exitCode !== null) return true;
      try {
        return (await fetch(`${PROMETHEUS_URL}/-/ready`)).ok;
      } catch {
        return false;
      }
    }, 60_000, 200);
    if (!ready || spawnFailed || prometheus.exitCode !== null) throw new Error(`prometheus did not become ready:\n${prometheusOutput}`);
  }, 240_000);

  afterAll(async () => {
    if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      if (!(await eventually(() => prometheus!.exitCode !== null || prometheus!.signalCode !== null, 30_000))) prometheus.kill('SIGKILL');
    }
    await Promise.all(Object.values(services).map((svc) => svc?.stop()));
    const redis = new Redis(config.REDIS_URL);
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
    await fx.tearDown();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }, 120_000);

  it('every metric the dashboard and the alerts query is exported by the services', async () => {
    const exported = new Set<string>();
    for (const [name, svc] of Object.entries(services)) {
      const res = await fetch(`${svc!.url}/metrics`);
      expect([name, res.status]).toEqual([name, 200]);
      for (const n of exportedNames(await res.text())) exported.add(n);
    }
    const queried = new Set([...dashboardQueries().flatMap(metricNamesIn), ...metricNamesIn(fs.readFileSync(ALERTS, 'utf8'))]);
    expect(queried.size).toBeGreaterThanOrEqual(10);
    expect([...queried].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('sees all three services up and the CTR series of an attributed click, by the version that served it', async () => {
    // attributed traffic: an answer's signed requestId echoed by an impression and a click of one of its items
    const rec = await fetch(`${services.api!.url}/v1/recommendations?userId=u-prom&k=5`);
    expect(rec.status).toBe(200);
    const answer = (await rec.json()) as { requestId: string; modelVersion: string; items: { itemId: string }[] };
    const itemId = answer.items[0]?.itemId ?? 'sku-prom';
    const ts = Date.now();
    const sent = await fetch(`${services.api!.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          { eventId: 'prom-imp-1', type: 'impression', userId: 'u-prom', itemId, ts, requestId: answer.requestId, position: 0 },
          { eventId: 'prom-clk-1', type: 'click', userId: 'u-prom', itemId, ts: ts + 1, requestId: answer.requestId, position: 0 },
        ],
      }),
    });
    expect({ status: sent.status, body: await sent.json() }).toEqual({ status: 202, body: { accepted: 2, rejected: [] } });
    expect(await fx.waitForTotals({ interactions: 2 })).toMatchObject({ interactions: 2 });

    let clicks: PromVector | null = null;
    const scraped = await eventually(async () => {
      clicks = await promQuery('sum by (model_version) (recsys_clicks_total)');
      return (clicks.data?.result.length ?? 0) > 0;
    }, 60_000, 250);
    expect(scraped ? '' : `${JSON.stringify(clicks)}\n${prometheusOutput}`).toBe('');
    expect(clicks!.data!.result.map((r) => ({ version: r.metric.model_version, clicks: r.value[1] }))).toEqual([{ version: answer.modelVersion, clicks: '1' }]);

    let up: PromVector | null = null;
    const allUp = await eventually(async () => {
      up = await promQuery('up');
      const byJob = Object.fromEntries((up.data?.result ?? []).map((r) => [r.metric.job, r.value[1]]));
      return Object.keys(SERVICES).every((job) => byJob[job] === '1');
    }, 60_000, 250);
    expect(allUp ? '' : JSON.stringify(up)).toBe('');
    const impressions = await promQuery('sum by (model_version) (recsys_impressions_total)');
    expect(impressions.data?.result.map((r) => [r.metric.model_version, r.value[1]])).toEqual([[answer.modelVersion, '1']]);
  });

  it('every dashboard query is valid PromQL to the running Prometheus', async () => {
    expect(prometheus?.exitCode).toBeNull();
    const failed: { expr: string; error?: string }[] = [];
    for (const expr of dashboardQueries()) {
      const r = await promQuery(withoutGrafanaVariables(expr));
      if (r.status !== 'success') failed.push({ expr, error: r.error });
    }
    expect(failed).toEqual([]);
  });
});
