import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { AppConfig } from '@recsys/config';
import { eventually } from './test-env';

export const ROOT = path.resolve(__dirname, '../..');

/** The environment variables that reproduce `config` in a child process. */
export function configEnv(config: AppConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    env[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

export interface RunningService {
  proc: ChildProcess;
  url: string;
  output: () => string;
  /** Sends SIGTERM (or `signal`) and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `apps/<name>/src/main.ts` from source in a child process and waits for /health/live. */
export async function startService(
  name: 'api' | 'ingest' | 'trainer',
  config: AppConfig,
  port: number,
  options: { nodeArgs?: string[] } = {},
): Promise<RunningService> {
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', '@swc-node/register', path.join(ROOT, `apps/${name}/src/main.ts`)], {
    cwd: ROOT,
    env: { ...process.env, ...configEnv(config), SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const up = await eventually(async () => {
    if (proc.exitCode !== null) return true;
    try {
      return (await fetch(`${url}/health/live`)).ok;
    } catch {
      return false;
    }
  }, 60_000, 200);
  if (!up || proc.exitCode !== null) {
    proc.kill('SIGKILL');
    throw new Error(`${name} did not start:\n${out}`);
  }
  return {
    proc,
    url,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}
