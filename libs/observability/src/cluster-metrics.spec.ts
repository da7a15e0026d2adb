import { ClusterMetricsAggregator, MetricsMember } from './cluster-metrics';
import { MetricsService } from './metrics.service';

/** A worker on the other end of an in-process "IPC" channel: answers the primary's collection requests from its own registry. */
function member(
  id: number,
  metrics: MetricsService,
  aggregator: ClusterMetricsAggregator,
  options: { silent?: boolean; onMessage?: (message: { type: string; id?: number; text?: string }) => void } = {},
): MetricsMember & { inbox: unknown[] } {
  const m = {
    id,
    inbox: [] as unknown[],
    isConnected: () => true,
    send(message: { type: string; id?: number; text?: string }): boolean {
      m.inbox.push(message);
      options.onMessage?.(message);
      if (message.type === 'recsys:metrics:collect' && !options.silent) {
        void metrics.registry.getMetricsAsJSON().then((json) => aggregator.onMessage(m, { type: 'recsys:metrics:local', id: message.id, metrics: [json] }));
      }
      return true;
    },
  };
  return m;
}

const line = (text: string, series: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${series} `));

describe('the cluster metrics aggregation', () => {
  it('sums counters and histograms over the workers, and keeps the served model version at 1', async () => {
    const aggregator = new ClusterMetricsAggregator();
    const a = new MetricsService();
    const b = new MetricsService();
    a.httpDuration.observe({ route: '/v1/recommendations', method: 'GET', status: '200' }, 0.002);
    a.httpDuration.observe({ route: '/v1/recommendations', method: 'GET', status: '200' }, 0.003);
    b.httpDuration.observe({ route: '/v1/recommendations', method: 'GET', status: '200' }, 0.004);
    a.impressions.inc({ model_version: 'v3' }, 2);
    b.impressions.inc({ model_version: 'v3' }, 5);
    a.modelVersionInfo.set({ version: 'v3' }, 1);
    b.modelVersionInfo.set({ version: 'v3' }, 1);
    // mid-swap: one worker already serves v4
    b.modelVersionInfo.set({ version: 'v4' }, 1);
    for (const [id, m] of [[1, a], [2, b]] as const) aggregator.onMessage(member(id, m, aggregator), { type: 'recsys:metrics:join' });

    const text = await aggregator.text();
    expect(line(text, 'recsys_http_request_duration_seconds_count{route="/v1/recommendations",method="GET",status="200"}')).toMatch(/ 3$/);
    expect(line(text, 'recsys_impressions_total{model_version="v3"}')).toMatch(/ 7$/);
    expect(line(text, 'recsys_model_version_info{version="v3"}')).toMatch(/ 1$/);
    expect(line(text, 'recsys_model_version_info{version="v4"}')).toMatch(/ 1$/);
  });

  it('answers a joining worker, and goes on without a worker that exits during a collection', async () => {
    const aggregator = new ClusterMetricsAggregator();
    const a = new MetricsService();
    a.clicks.inc({ model_version: 'v1' });
    const live = member(1, a, aggregator);
    const dying = member(2, new MetricsService(), aggregator, { silent: true });
    aggregator.onMessage(live, { type: 'recsys:metrics:join' });
    aggregator.onMessage(dying, { type: 'recsys:metrics:join' });
    expect(live.inbox).toContainEqual({ type: 'recsys:metrics:joined' });

    const pending = aggregator.text();
    aggregator.onExit(dying);
    expect(line(await pending, 'recsys_clicks_total{model_version="v1"}')).toMatch(/ 1$/);
  });

  it('answers the cluster text to the worker that asked, and ignores messages of other protocols', async () => {
    const aggregator = new ClusterMetricsAggregator();
    const a = new MetricsService();
    a.clicks.inc({ model_version: 'v2' }, 4);
    let answer: (m: { id?: number; text?: string }) => void = () => undefined;
    const answered = new Promise<{ id?: number; text?: string }>((resolve) => (answer = resolve));
    const asker = member(1, a, aggregator, { onMessage: (m) => m.type === 'recsys:metrics:text' && answer(m) });
    aggregator.onMessage(asker, { type: 'recsys:metrics:join' });
    aggregator.onMessage(asker, { cmd: 'NODE_CLUSTER' });
    aggregator.onMessage(asker, { type: 'recsys:metrics:cluster', id: 7 });
    const reply = await answered;
    expect(reply.id).toBe(7);
    expect(line(reply.text ?? '', 'recsys_clicks_total{model_version="v2"}')).toMatch(/ 4$/);
  });

  it('is not in a cluster outside a cluster worker: a process answers its own metrics', async () => {
    const m = new MetricsService();
    m.trainingRuns.inc({ kind: 'incremental', outcome: 'published' });
    expect(line(await m.text(), 'recsys_training_runs_total{kind="incremental",outcome="published"}')).toMatch(/ 1$/);
  });
});
