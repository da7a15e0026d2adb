import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './disposable-postgres';
import { ROOT } from './services';
import { eventually } from './test-env';

const KAFKA_DIR = path.join(ROOT, 'infra/kafka');
const JAR_DIR = path.join(KAFKA_DIR, '.cache/lib');
// C1 only: a test broker lives for seconds, and skipping C2 makes it start about a third faster.
const JVM_OPTS = [
  '-Xms64m',
  '-Xmx384m',
  '-XX:+UseG1GC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${path.join(KAFKA_DIR, 'log4j2.yaml')}`,
];
/** How long a start (JVM boot, log recovery) may take before it counts as failed. */
const READY_TIMEOUT_MS = 120_000;
/** How long a SIGTERM (controlled shutdown) may take before the broker is killed. */
const STOP_TIMEOUT_MS = 60_000;

/** Brokers not destroyed yet: killed and removed if the test process exits without destroying them. */
const undestroyed = new Set<DisposableKafka>();
process.once('exit', () => {
  for (const kafka of undestroyed) kafka.destroySync();
});

/**
 * A second, throwaway single-node Kafka (KRaft, broker and controller in one process) from the
 * jars `infra/up.sh` resolved, on free ports, with its own temp data directory and log file. A test
 * stops and restarts it to take the broker away in the middle of a stream; topics and committed
 * offsets survive a restart. The shared broker on 9092 is never touched.
 *
 * @example
 *   const kafka = await DisposableKafka.start();
 *   try { ...kafka.brokers...; await kafka.stop(); ...; await kafka.restart(); } finally { await kafka.destroy(); }
 */
export class DisposableKafka {
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    /** The temp directory holding the data, `server.properties` and `kafka.log`. */
    readonly dir: string,
    /** The client (PLAINTEXT) port, the same across restarts. */
    readonly port: number,
    /** The KRaft controller port, the same across restarts. */
    readonly controllerPort: number,
  ) {}

  /**
   * Formats a new KRaft log directory and starts the broker (heap at most 384 MiB); resolves once a
   * kafkajs admin can list topics and describe a consumer group. Throws when the jars are missing (`bash infra/up.sh` fetches them).
   */
  static async start(): Promise<DisposableKafka> {
    const classpath = kafkaClasspath();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-kafka-'));
    const [port, controllerPort] = await twoFreePorts();
    const kafka = new DisposableKafka(dir, port, controllerPort);
    undestroyed.add(kafka);
    try {
      await writeFile(kafka.propertiesFile, kafka.properties());
      await promisify(execFile)(
        'java',
        [...JVM_OPTS, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', kafka.propertiesFile],
        { timeout: READY_TIMEOUT_MS },
      ).catch((err: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`formatting KRaft storage failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      });
      await kafka.restart();
      return kafka;
    } catch (err) {
      await kafka.destroy().catch(() => undefined);
      throw err;
    }
  }

  /** Bootstrap servers for kafkajs, e.g. `['127.0.0.1:41234']`. */
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** The broker's log (stdout and stderr of the JVM), appended to across restarts. */
  get logFile(): string {
    return path.join(this.dir, 'kafka.log');
  }

  private get propertiesFile(): string {
    return path.join(this.dir, 'server.properties');
  }

  /**
   * Starts the stopped broker again on the same ports with the same data and resolves once a kafkajs
   * admin can list topics and describe a consumer group (at most 120 s). Does nothing when it runs.
   */
  async restart(): Promise<void> {
    if (this.proc) return;
    const log = openSync(this.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn('java', [...JVM_OPTS, '-cp', kafkaClasspath(), 'kafka.Kafka', this.propertiesFile], {
        cwd: this.dir,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const ready = await eventually(() => proc.exitCode !== null || proc.signalCode !== null || this.listsTopics(), READY_TIMEOUT_MS, 250);
    if (!ready || proc.exitCode !== null || proc.signalCode !== null) {
      await this.stop().catch(() => undefined);
      throw new Error(`the disposable Kafka broker did not become ready${ready ? ' (it exited)' : ''}:\n${this.logTail()}`);
    }
  }

  /** Stops the broker with SIGTERM (a controlled shutdown) and waits until it has exited; SIGKILL after 60 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(killer);
    }
    this.proc = null;
  }

  /** Stops the broker if it runs and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
      undestroyed.delete(this);
    }
  }

  /** `destroy()` for the process's exit, when nothing asynchronous runs any more: SIGKILL, then remove. */
  destroySync(): void {
    this.proc?.kill('SIGKILL');
    this.proc = null;
    rmSync(this.dir, { recursive: true, force: true });
    undestroyed.delete(this);
  }

  /** The committed broker template with this instance's ports and data directory. */
  private properties(): string {
    const overrides: Record<string, string> = {
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.port}`,
      'log.dirs': path.join(this.dir, 'data'),
    };
    const template = readFileSync(path.join(KAFKA_DIR, 'server.properties'), 'utf8')
      .split('\n')
      .filter((line) => !(line.split('=')[0].trim() in overrides));
    return [...template, ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`), ''].join('\n');
  }

  private async listsTopics(): Promise<boolean> {
    const admin = new Kafka({
      clientId: 'disposable-kafka-probe',
      brokers: this.brokers,
      connectionTimeout: 1000,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      // Also wait out the group coordinator loading its offsets, so that a consumer group started
      // right after restart() joins at once (this also creates __consumer_offsets on first start).
      await admin.describeGroups(['disposable-kafka-probe']);
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

function kafkaClasspath(): string {
  const found = existsSync(JAR_DIR) && readdirSync(JAR_DIR).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (!found) {
    throw new Error(`the Kafka broker jars are missing from ${JAR_DIR}: run \`bash infra/up.sh\` (npm run infra:up) once to resolve them`);
  }
  return `${JAR_DIR}/*`;
}

/** Two distinct free ports (picking them one after the other could return the same one twice). */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  for (;;) {
    const second = await freePort();
    if (second !== first) return [first, second];
  }
}

/** A KRaft cluster id as `StorageTool random-uuid` makes it, without starting a JVM for it. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka's own generator avoids ids starting with '-', which command lines read as options.
    if (!id.startsWith('-')) return id;
  }
}
