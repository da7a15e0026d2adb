import { parseArgs } from 'node:util';

/** The commands of `npm run recsys -- <command>`. */
export const COMMANDS = ['retrain', 'jobs', 'job', 'models', 'show', 'activate', 'audit', 'load-failures', 'help'] as const;
/** One of `COMMANDS`. */
export type CommandName = (typeof COMMANDS)[number];

/** Printed by `help` and after every usage error. */
export const USAGE = `usage: npm run recsys -- <command> [options]

commands:
  retrain [--full] [--wait]    queue a training run (incremental unless --full); --wait follows it to the end
  jobs [--limit N]             the latest training jobs (default 20)
  job JOBID                    one training job
  models                       every model version
  show VERSION                 one version: its metrics, the gate's comparison and its lineage
  activate VERSION [--force]   serve VERSION (rollback or forward); --force for a rejected version
  audit [--limit N]            the latest admin actions (default 100)
  load-failures [--version V] [--limit N]
                               model artifacts the API refused to serve, newest first (default 100)
  help                         this text

options (every command):
  --url URL      the API (default $RECSYS_URL, else http://127.0.0.1:$PORT, PORT default 3000)
  --token TOKEN  the admin token (default $ADMIN_TOKEN)
  --json         print the API's JSON instead of text

exit status: 0 done, 1 API error or failed job, 2 usage error`;

/** A command line that names no command, an unknown one, or a flag or argument the command does not take. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a command line asks for. */
export interface CliArgs {
  command: CommandName;
  /** The command's one argument: JOBID for `job`, VERSION for `show` and `activate`. */
  target?: string;
  /** `--url`; unset falls back to the environment (see `resolveConnection`). */
  url?: string;
  /** `--token`; unset falls back to `ADMIN_TOKEN`. */
  token?: string;
  /** `--json`: print the raw JSON. Default false. */
  json: boolean;
  /** `retrain --full`: a full retrain instead of an incremental one. Default false. */
  full: boolean;
  /** `retrain --wait`: poll the job until it ends. Default false. */
  wait: boolean;
  /** `activate --force`: activate a rejected version. Default false. */
  force: boolean;
  /** `jobs`, `audit` and `load-failures --limit N`, a positive integer; unset leaves the API's default. */
  limit?: number;
  /** `load-failures --version V`: that version's failures only; unset lists every version's. */
  version?: string;
}

type Flag = 'full' | 'wait' | 'force' | 'limit' | 'version';

/** Per command: its flags beyond the global ones, and the name of its one argument if it takes one. */
const COMMAND_SPEC: Record<CommandName, { flags: Flag[]; arg?: string }> = {
  retrain: { flags: ['full', 'wait'] },
  jobs: { flags: ['limit'] },
  job: { flags: [], arg: 'JOBID' },
  models: { flags: [] },
  show: { flags: [], arg: 'VERSION' },
  activate: { flags: ['force'], arg: 'VERSION' },
  audit: { flags: ['limit'] },
  'load-failures': { flags: ['limit', 'version'] },
  help: { flags: [] },
};

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  full: { type: 'boolean' },
  wait: { type: 'boolean' },
  force: { type: 'boolean' },
  limit: { type: 'string' },
  version: { type: 'string' },
} as const;

/**
 * Parses the arguments after `recsys` (flags may come before or after the command; `--help` anywhere means `help`).
 * @throws UsageError for a missing or unknown command, an unknown flag, a flag the command does not take, a missing or
 * extra argument, or a `--limit` that is not a positive integer.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values, positionals } = tokenize(argv);
  if (values.help) return { command: 'help', json: false, full: false, wait: false, force: false };
  const [name, ...rest] = positionals;
  if (name === undefined) throw new UsageError('missing command');
  if (!isCommand(name)) throw new UsageError(`unknown command "${name}"`);
  const spec = COMMAND_SPEC[name];
  for (const flag of ['full', 'wait', 'force', 'limit', 'version'] as const) {
    if (values[flag] !== undefined && !spec.flags.includes(flag)) throw new UsageError(`${name} does not take --${flag}`);
  }
  if (spec.arg && rest.length === 0) throw new UsageError(`${name} needs ${spec.arg}`);
  const extra = spec.arg ? rest.slice(1) : rest;
  if (extra.length > 0) throw new UsageError(`${name} does not take the argument "${extra[0]}"`);
  return {
    command: name,
    target: spec.arg ? rest[0] : undefined,
    url: values.url,
    token: values.token,
    json: values.json ?? false,
    full: values.full ?? false,
    wait: values.wait ?? false,
    force: values.force ?? false,
    limit: values.limit === undefined ? undefined : positiveInteger('limit', values.limit),
    version: values.version === undefined ? undefined : nonEmpty('version', values.version),
  };
}

function tokenize(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util's messages are clear ("Unknown option '--x'"); only the class changes, so that the caller exits 2.
    throw new UsageError((err as Error).message);
  }
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === '') throw new UsageError(`--${flag} must not be empty`);
  return raw;
}

function positiveInteger(flag: string, raw: string): number {
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) throw new UsageError(`--${flag} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

/** The environment variables the CLI reads (an empty one counts as unset). */
export interface CliEnv {
  /** The API's base URL. */
  RECSYS_URL?: string;
  /** The API's port on this machine, when RECSYS_URL is unset. Default 3000. */
  PORT?: string;
  /** The admin bearer token. */
  ADMIN_TOKEN?: string;
}

/**
 * Where the CLI sends its calls: `--url`, else `RECSYS_URL`, else `http://127.0.0.1:${PORT:-3000}`; the token from
 * `--token`, else `ADMIN_TOKEN`.
 * @throws UsageError when no token is given or the URL is not an http(s) URL.
 */
export function resolveConnection(args: Pick<CliArgs, 'url' | 'token'>, env: CliEnv): { baseUrl: string; token: string } {
  const baseUrl = args.url || env.RECSYS_URL || `http://127.0.0.1:${env.PORT || '3000'}`;
  let protocol: string;
  try {
    protocol = new URL(baseUrl).protocol;
  } catch {
    throw new UsageError(`not a URL: "${baseUrl}"`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`not an http(s) URL: "${baseUrl}"`);
  const token = args.token || env.ADMIN_TOKEN;
  if (!token) throw new UsageError('no admin token: pass --token TOKEN or set ADMIN_TOKEN');
  return { baseUrl, token };
}
