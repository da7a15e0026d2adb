/**
 * `npm run recsys -- <command>`: the data scientists' CLI over the admin HTTP API (see `USAGE` in ./args). Tables and
 * blocks go to stdout (`--json` prints the API's JSON instead), progress and errors to stderr. Exit 0 when done, 1 on an
 * API error or a failed job, 2 on a usage error.
 */
import { loadConfig } from '@recsys/config';
import { AdminApiError, AdminNetworkError } from '../admin-api.error';
import type { JobView } from '../admin-api.types';
import { AdminClient } from '../admin-client';
import { CliArgs, CliEnv, CommandName, parseCliArgs, resolveConnection, USAGE, UsageError } from './args';
import { ProgressReporter, TextSink } from './progress';
import { renderActivation, renderAudit, renderJob, renderJobs, renderLoadFailures, renderModel, renderModels, renderOutcome } from './views';

/** `retrain --wait` asks for the job this often (ms). */
export const POLL_INTERVAL_MS = 500;

/** What the CLI reads and writes; `main` passes the process's own, a test its fakes. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** The variables the CLI reads (RECSYS_URL, PORT, ADMIN_TOKEN). */
  env: CliEnv;
  /** Whether stderr is a terminal: the progress bar is then redrawn in place. */
  isTTY: boolean;
  /** Waits between two polls of `retrain --wait`. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** Exit statuses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type Runner = (client: AdminClient, args: CliArgs, io: CliIo) => Promise<number>;

/**
 * Runs one command line (the arguments after `recsys`) and returns its exit status: 0 done, 1 an API error (printed as
 * `error: <code>: <message>`) or a failed job, 2 a usage error. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  let client: AdminClient;
  try {
    args = parseCliArgs(argv);
    if (args.command === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    client = new AdminClient(resolveConnection(args, io.env));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`error: ${err.message}\n(npm run recsys -- help lists the commands)\n`);
    return EXIT.usage;
  }
  try {
    return await RUNNERS[args.command](client, args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof AdminApiError || err instanceof AdminNetworkError) {
      io.stderr.write(`error: ${err.code}: ${err.message}\n`);
    } else {
      // A bug, not an answer of the API: say so rather than dress it up as one.
      io.stderr.write(`error: unexpected: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    return EXIT.failed;
  }
}

const RUNNERS: Record<Exclude<CommandName, 'help'>, Runner> = {
  retrain: async (client, args, io) => {
    const { jobId } = await client.retrain(args.full ? 'full' : 'incremental');
    if (!args.wait) {
      print(io, args, { jobId }, () => `queued ${jobId} (${args.full ? 'full' : 'incremental'}); follow it with: npm run recsys -- job ${jobId}`);
      return EXIT.ok;
    }
    const job = await waitForJob(client, jobId, io);
    print(io, args, job, () => renderOutcome(job));
    if (job.state === 'failed') {
      io.stderr.write(`error: job_failed: ${jobId} failed after ${job.attemptsMade} attempt(s): ${job.error ?? 'no error recorded'}\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
  jobs: async (client, args, io) => {
    const jobs = await client.jobs(args.limit);
    print(io, args, jobs, () => renderJobs(jobs));
    return EXIT.ok;
  },
  job: async (client, args, io) => {
    const job = await client.job(required(args.target));
    print(io, args, job, () => renderJob(job));
    return EXIT.ok;
  },
  models: async (client, args, io) => {
    const models = await client.models();
    print(io, args, models, () => renderModels(models));
    return EXIT.ok;
  },
  show: async (client, args, io) => {
    const model = await client.model(required(args.target));
    print(io, args, model, () => renderModel(model));
    return EXIT.ok;
  },
  activate: async (client, args, io) => {
    const result = await client.activate(required(args.target), args.force);
    print(io, args, result, () => renderActivation(result));
    return EXIT.ok;
  },
  audit: async (client, args, io) => {
    const entries = await client.audit(args.limit);
    print(io, args, entries, () => renderAudit(entries));
    return EXIT.ok;
  },
  'load-failures': async (client, args, io) => {
    const failures = await client.loadFailures({ limit: args.limit, version: args.version });
    print(io, args, failures, () => renderLoadFailures(failures, args.version));
    return EXIT.ok;
  },
};

/** Polls the job every POLL_INTERVAL_MS until it completed or failed, drawing its progress on stderr. */
async function waitForJob(client: AdminClient, jobId: string, io: CliIo): Promise<JobView> {
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const progress = new ProgressReporter(io.stderr, io.isTTY, jobId);
  try {
    for (;;) {
      const job = await client.job(jobId);
      // A completed job's last reported progress may fall short of 1; the bar should not.
      progress.update(job.state, job.state === 'completed' ? 1 : job.progress);
      if (job.state === 'completed' || job.state === 'failed') return job;
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    progress.finish();
  }
}

function print(io: CliIo, args: CliArgs, json: unknown, text: () => string): void {
  io.stdout.write(`${args.json ? JSON.stringify(json, null, 2) : text()}\n`);
}

// parseCliArgs guarantees the argument of the commands that take one.
function required(target: string | undefined): string {
  if (target === undefined) throw new UsageError('missing argument');
  return target;
}

/**
 * The one place the CLI reads the environment, and only its three variables. Services read it through libs/config; this
 * CLI is a process of its own: RECSYS_URL is no key of that schema, and the CLI must not refuse to run because some
 * unrelated service key in the user's shell is invalid (loadConfig validates them all).
 */
/** The CLI's settings from the environment, through the one configuration reader (libs/config). */
function processEnv(): CliEnv {
  const config = loadConfig();
  return { RECSYS_URL: config.RECSYS_URL, PORT: String(config.PORT), ADMIN_TOKEN: config.ADMIN_TOKEN };
}

/** Runs the CLI on this process's arguments, streams and environment, and sets its exit code. */
export async function main(): Promise<void> {
  let env: CliEnv;
  try {
    env = processEnv();
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    isTTY: process.stderr.isTTY === true,
  });
}

if (require.main === module) void main();
