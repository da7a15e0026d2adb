import type { ActivationResult, AuditEntry, HeldOutScores, JobView, LoadFailure, ModelDetail, ModelSummary, TrainingJobData } from '../admin-api.types';
import { formatBytes, formatCount, formatMetric, formatPercent, formatTime, NONE, orNone } from './format';
import { formatBlock, formatTable } from './table';

/** `show` lists at most this many ancestors: an hourly incremental chain grows by one a run. */
export const LINEAGE_SHOWN = 10;

/** `models`: one row per version. */
export function renderModels(models: readonly ModelSummary[]): string {
  if (models.length === 0) return 'no model versions yet';
  return formatTable(
    [
      { header: 'VERSION' },
      { header: 'STATUS' },
      { header: 'KIND' },
      { header: 'PARENT' },
      { header: 'CREATED' },
      { header: 'NDCG@10', align: 'right' },
      { header: 'HR@10', align: 'right' },
      { header: 'SIZE', align: 'right' },
    ],
    models.map((m) => [
      m.version,
      m.status,
      m.kind,
      orNone(m.parentVersion),
      formatTime(m.createdAt),
      formatMetric(m.metrics?.ndcg),
      formatMetric(m.metrics?.hr),
      formatBytes(m.sizeBytes),
    ]),
  );
}

/** `jobs`: one row per training job. */
export function renderJobs(jobs: readonly JobView[]): string {
  if (jobs.length === 0) return 'no training jobs';
  return formatTable(
    [
      { header: 'JOB' },
      { header: 'STATE' },
      { header: 'PROGRESS', align: 'right' },
      { header: 'MODE' },
      { header: 'TRIGGER' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'CREATED' },
      { header: 'OUTCOME' },
      { header: 'VERSION' },
    ],
    jobs.map((j) => [
      j.jobId,
      j.state,
      formatPercent(j.progress),
      orNone(j.data?.mode),
      orNone(j.data?.trigger?.by),
      formatCount(j.attemptsMade),
      formatTime(j.createdAt),
      orNone(j.result?.outcome),
      orNone(j.result?.modelVersion),
    ]),
  );
}

/** `job JOBID`: the job, and its outcome or error once it ended. */
export function renderJob(job: JobView): string {
  return formatBlock([
    ['job', job.jobId],
    ['name', orNone(job.name)],
    ['state', `${job.state} (${formatPercent(job.progress)})`],
    ['mode', orNone(job.data?.mode)],
    ['trigger', trigger(job.data?.trigger)],
    ['attempts', formatCount(job.attemptsMade)],
    ['created', formatTime(job.createdAt)],
    ...outcomePairs(job),
  ]);
}

/** What `retrain --wait` prints when the job ended: the outcome, the version, NDCG@10 and the reason (or the error). */
export function renderOutcome(job: JobView): string {
  if (job.state === 'failed') return formatBlock([['job', job.jobId], ['state', 'failed'], ['attempts', formatCount(job.attemptsMade)], ['error', orNone(job.error)]]);
  return formatBlock([['job', job.jobId], ...outcomePairs(job)]);
}

function outcomePairs(job: JobView): [string, string][] {
  const pairs: [string, string][] = [];
  if (job.result) {
    pairs.push(
      ['outcome', job.result.outcome],
      ['version', orNone(job.result.modelVersion)],
      ['NDCG@10', formatMetric(job.result.metrics?.ndcg)],
      ['HR@10', formatMetric(job.result.metrics?.hr)],
      ['reason', orNone(job.result.reason)],
    );
  }
  if (job.error) pairs.push(['error', job.error]);
  return pairs;
}

/** `show VERSION`: the version, the gate's decision with both metric sets, and the lineage. */
export function renderModel(m: ModelDetail): string {
  const about = formatBlock([
    ['version', m.version],
    ['status', m.status],
    ['kind', m.kind],
    ['parent', orNone(m.parentVersion)],
    ['created', formatTime(m.createdAt)],
    ['activated', formatTime(m.activatedAt)],
    ['retired', formatTime(m.retiredAt)],
    ['size', formatBytes(m.sizeBytes)],
    ['checksum', orNone(m.checksum)],
    ['job', orNone(m.jobId)],
    ['trigger', trigger(m.trigger)],
    ['reason', orNone(m.reason)],
    ['lineage', lineage(m.lineage ?? [])],
    ['children', m.children?.length ? m.children.join(', ') : NONE],
  ]);
  if (!m.gate) return [about, formatBlock([['gate', `${NONE} (no comparison recorded)`]]), scoresTable([['model', m.metrics ?? {}]])].join('\n\n');
  const g = m.gate;
  const gate = formatBlock([
    ['gate', `${g.decision}: ${g.reason}`],
    ['against', g.against.kind === 'popular' ? 'the popularity fallback (no active version)' : `active ${orNone(g.against.version)}`],
    ['tolerance', String(g.tolerance)],
    ['finite', g.finite ? 'yes' : 'no (the candidate has a NaN or infinite weight)'],
  ]);
  return [about, gate, scoresTable([['candidate', g.candidate], ['baseline', g.baseline]])].join('\n\n');
}

function scoresTable(rows: [string, Partial<HeldOutScores>][]): string {
  return formatTable(
    [
      { header: 'METRICS' },
      { header: 'NDCG@10', align: 'right' },
      { header: 'HR@10', align: 'right' },
      { header: 'LOSS', align: 'right' },
      { header: 'SAMPLES', align: 'right' },
      { header: 'SKIPPED', align: 'right' },
    ],
    rows.map(([label, s]) => [label, formatMetric(s.ndcg), formatMetric(s.hr), formatMetric(s.loss), formatCount(s.samples), formatCount(s.skipped)]),
  );
}

function lineage(ancestors: ModelDetail['lineage']): string {
  if (ancestors.length === 0) return `${NONE} (trained from scratch)`;
  const lines = ancestors.slice(0, LINEAGE_SHOWN).map((a, i) => `${i === 0 ? '' : '<- '}${a.version} (${a.status}, ${a.kind})`);
  if (ancestors.length > LINEAGE_SHOWN) lines.push(`<- ... ${ancestors.length - LINEAGE_SHOWN} older`);
  return lines.join('\n');
}

function trigger(t: TrainingJobData['trigger'] | undefined): string {
  if (!t) return NONE;
  return t.actor ? `${t.by} (${t.actor})` : t.by;
}

/** `activate VERSION`. */
export function renderActivation(r: ActivationResult): string {
  return r.changed ? `${r.version} is active (was ${r.previous ?? 'none'})` : `${r.version} was active already`;
}

/** `audit`: one row per admin action, newest first. */
export function renderAudit(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'no admin actions recorded';
  return formatTable(
    [{ header: 'AT' }, { header: 'ACTOR' }, { header: 'ACTION' }, { header: 'STATUS', align: 'right' }, { header: 'OUTCOME' }, { header: 'PARAMS' }],
    entries.map((e) => [
      formatTime(e.at),
      e.actor,
      e.action,
      formatCount(e.status),
      e.outcome,
      e.params && Object.keys(e.params).length > 0 ? JSON.stringify(e.params) : NONE,
    ]),
  );
}

/** `load-failures` prints at most this many characters of an error (the first line); `--json` has it whole. */
export const ERROR_SHOWN = 120;

/** `load-failures`: one row per refused artifact, newest first; `version` names the filter in the empty message. */
export function renderLoadFailures(failures: readonly LoadFailure[], version?: string): string {
  if (failures.length === 0) return version ? `no load failures recorded for ${version}` : 'no load failures recorded';
  return formatTable(
    [{ header: 'AT' }, { header: 'VERSION' }, { header: 'INSTANCE' }, { header: 'ERROR' }],
    failures.map((f) => [formatTime(f.at), f.version, f.instance, shortError(f.error)]),
  );
}

// The first line says what failed; the rest (a stack, say) is in --json.
function shortError(error: string): string {
  const [first = '', ...rest] = error.trim().split('\n');
  const chars = [...first];
  if (chars.length > ERROR_SHOWN) return `${chars.slice(0, ERROR_SHOWN - 3).join('')}...`;
  return orNone(rest.length > 0 ? `${first} ...` : first);
}
