import type { AuditEntry, JobView, LoadFailure, ModelDetail, ModelSummary } from '../admin-api.types';
import { apiError, type FakeAnswer, type SeenRequest } from './fake-admin-api';

// Canned answers of the admin API, shaped as the real one answers (CONTRACT section 4).

/** `GET /v1/admin/models`: a rejected candidate, the active version and a retired full one that was never measured. */
export const MODELS: ModelSummary[] = [
  {
    version: 'v3',
    createdAt: '2025-03-02T10:00:05.123Z',
    parentVersion: 'v2',
    kind: 'incremental',
    status: 'rejected',
    metrics: { hr: 0.2875, ndcg: 0.14012, loss: 0.52, samples: 1200, skipped: 4, run: { events: 5000 } },
    sizeBytes: 1_572_864,
  },
  {
    version: 'v2',
    createdAt: '2025-03-02T09:00:04.000Z',
    parentVersion: 'v1',
    kind: 'incremental',
    status: 'active',
    metrics: { hr: 0.3125, ndcg: 0.16, loss: 0.48, samples: 1180, skipped: 2 },
    sizeBytes: 1_540_000,
  },
  {
    version: 'v1',
    createdAt: '2025-03-01T23:59:59.000Z',
    parentVersion: null,
    kind: 'full',
    status: 'retired',
    metrics: { hr: null, ndcg: null, loss: null, samples: 0, skipped: 0 },
    sizeBytes: null,
  },
];

/** `GET /v1/admin/models/v3`: rejected by the gate against the active v2. */
export const MODEL_V3: ModelDetail = {
  ...MODELS[0],
  activatedAt: null,
  retiredAt: null,
  reason: 'ndcg fell below the active version',
  gate: {
    decision: 'rejected',
    reason: 'ndcg 0.1401 < 0.1600 - 0.005',
    against: { kind: 'active', version: 'v2' },
    candidate: { hr: 0.2875, ndcg: 0.14012, loss: 0.52, samples: 1200, skipped: 4 },
    baseline: { hr: 0.3125, ndcg: 0.16, loss: 0.48, samples: 1200, skipped: 4 },
    tolerance: 0.005,
    finite: true,
  },
  checksum: 'sha256:9f2c',
  cursor: { txid: '812' },
  trigger: { by: 'admin', actor: 'token:0a1b2c3d4e5f' },
  jobId: 'manual-6b1e1c1e-7f0e-4a57-9d5e-2c1d2f3a4b5c',
  lineage: [
    { version: 'v2', status: 'active', kind: 'incremental' },
    { version: 'v1', status: 'retired', kind: 'full' },
  ],
  children: [],
};

/** The id of the job `jobAt` describes. */
export const JOB_ID = 'manual-6b1e1c1e-7f0e-4a57-9d5e-2c1d2f3a4b5c';

/** The job of `JOB_ID` at one state; `completed` carries a published result, `failed` an error. */
export function jobAt(state: JobView['state'], progress: number): JobView {
  const base: JobView = {
    jobId: JOB_ID,
    name: 'train',
    state,
    progress,
    data: { mode: 'incremental', trigger: { by: 'admin', actor: 'token:0a1b2c3d4e5f' } },
    attemptsMade: state === 'failed' ? 3 : state === 'completed' ? 1 : 0,
    createdAt: '2025-03-02T11:00:00.000Z',
  };
  if (state === 'completed') {
    return { ...base, result: { outcome: 'published', modelVersion: 'v4', metrics: { hr: 0.33, ndcg: 0.17125, loss: 0.47, samples: 1210, skipped: 1 }, reason: 'ndcg 0.1713 >= 0.1600 - 0.005', run: { events: 4200 } } };
  }
  if (state === 'failed') return { ...base, error: 'connection to PostgreSQL lost' };
  return base;
}

/** `GET /v1/admin/audit`, newest first. */
export const AUDIT: AuditEntry[] = [
  { at: '2025-03-02T11:00:00.500Z', actor: 'token:0a1b2c3d4e5f', action: 'retrain', params: { mode: 'incremental' }, outcome: 'ok', status: 202 },
  { at: '2025-03-02T10:59:00.000Z', actor: 'anonymous', action: 'models.list', params: {}, outcome: 'unauthorized', status: 401 },
];

/** `POST /v1/admin/models/v3/activate`: v3 is rejected, so it is refused (as the API refuses it) unless forced. */
export function activateV3(req: SeenRequest): FakeAnswer {
  return (req.body as { force?: boolean }).force
    ? { body: { version: 'v3', previous: 'v2', changed: true, status: 'active' } }
    : apiError(409, 'rejected_version', 'version v3 was rejected by the gate; send {"force": true} to activate it anyway');
}

/** `GET /v1/admin/load-failures`, newest first: v4's artifact refused by two API processes, and an older one of v3. */
export const LOAD_FAILURES: LoadFailure[] = [
  { version: 'v4', instance: 'api-7f9c:4242', error: 'checksum mismatch: expected 9f2c..., got 0000...', at: '2025-03-02T12:00:01.250Z' },
  { version: 'v4', instance: 'api-7f9c:4243', error: 'checksum mismatch: expected 9f2c..., got 0000...', at: '2025-03-02T12:00:01.000Z' },
  { version: 'v3', instance: 'api-1b2d:977', error: 'model.rsm: unexpected end of file\n    at decodeBundle (bundle.ts:88)', at: '2025-03-02T10:30:00.000Z' },
];

/** `GET /v1/admin/load-failures`, filtered by `version` and cut to `limit` as the API does. */
export function loadFailuresAnswer(req: SeenRequest): FakeAnswer {
  const rows = LOAD_FAILURES.filter((f) => req.query.version === undefined || f.version === req.query.version);
  return { body: req.query.limit === undefined ? rows : rows.slice(0, Number(req.query.limit)) };
}
