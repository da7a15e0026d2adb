import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { AppConfig, loadConfig } from '@recsys/config';
import { EventValidator, RecsysEvent, RejectionCode } from '@recsys/contracts';
import { createKafka } from './kafka.factory';
import { EventPublisher } from './event.publisher';

/** What `replayFile` did; the CLI prints it as one JSON line. */
export interface ReplaySummary {
  /** Events the broker acknowledged. */
  published: number;
  /** Lines skipped because they are not valid events. */
  invalid: number;
  /** Wall time of the whole replay, in seconds. */
  seconds: number;
  /** `published / seconds`. */
  eventsPerSecond: number;
}

/** A line of the file that is not a valid event. */
export interface InvalidLine {
  /** 1-based line number in the file. */
  line: number;
  code: RejectionCode;
  message: string;
}

/** A stream the replay reports progress and invalid lines on (stderr by default). */
export interface ReplayLog {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ReplayOptions {
  /** Path of a JSONL file, one event per line. Blank lines are ignored. */
  file: string;
  /** Events per second to publish at. Default: undefined, as fast as the broker acknowledges. */
  rate?: number;
  /** Events per publish request (the rate may lower it so that batches go out evenly). Default 500. */
  batchSize?: number;
  /** Brokers, topic prefix and image embedding length. Default `loadConfig()`. */
  config?: AppConfig;
  /**
   * Where the progress bar (on a TTY; otherwise a plain line every `progressEveryMs`) and the first
   * `maxReportedInvalid` invalid lines go. Default `process.stderr`; `null` for silence.
   */
  log?: ReplayLog | null;
  /** How many invalid lines are reported one by one; the rest are only counted. Default 10. */
  maxReportedInvalid?: number;
  /** Interval of the plain progress lines when `log` is not a TTY, in ms. Default 5000. */
  progressEveryMs?: number;
}

/** Default events per publish request. */
export const REPLAY_BATCH_SIZE = 500;

/**
 * Replays a JSONL file of events to Kafka: validates every line with the contract validator,
 * publishes the valid events in file order through `EventPublisher` (so a key's events keep their
 * order on its partition), optionally paced at `rate` events/s, and reports invalid lines instead
 * of publishing them. Resolves with the summary once every event is acknowledged; rejects when
 * the file cannot be read or a publish fails (events acknowledged before that stay published).
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  const config = options.config ?? loadConfig();
  const rate = options.rate;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new Error(`rate must be a positive number, got ${rate}`);
  const batchSize = pacedBatchSize(options.batchSize ?? REPLAY_BATCH_SIZE, rate);
  const log = options.log === undefined ? process.stderr : options.log;
  const maxReported = options.maxReportedInvalid ?? 10;

  const totalBytes = (await stat(options.file)).size;
  const validator = new EventValidator({ imageEmbeddingDim: config.IMAGE_EMBEDDING_DIM });
  const publisher = new EventPublisher(createKafka(config, 'replay'), config);
  const progress = new Progress(log, totalBytes, options.progressEveryMs ?? 5000);
  const started = performance.now();
  let published = 0;
  let queued = 0;
  let invalid = 0;
  let batch: RecsysEvent[] = [];
  // One publish in flight while the next batch is read and validated; never two, which keeps each
  // key's events in file order.
  let inFlight: Promise<void> = Promise.resolve();

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    if (rate !== undefined) {
      // The i-th event (0-based) is due i/rate seconds after the start; a batch goes when its last one is due.
      await sleepUntil(started + ((queued + events.length - 1) / rate) * 1000);
    }
    queued += events.length;
    await inFlight;
    inFlight = publisher.publish(events).then(() => {
      published += events.length;
    });
    // Handled here for the time until the next flush awaits it; the failure still surfaces there.
    inFlight.catch(() => undefined);
  };

  const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
  try {
    let lineNo = 0;
    let bytesRead = 0;
    for await (const line of lines) {
      lineNo += 1;
      bytesRead += Buffer.byteLength(line, 'utf8') + 1;
      if (line.trim() === '') continue;
      const result = validator.parse(line);
      if (result.ok) {
        batch.push(result.event);
        if (batch.length >= batchSize) await flush();
      } else {
        invalid += 1;
        if (invalid <= maxReported) progress.note(`line ${lineNo}: ${result.error.code}: ${result.error.message}`);
      }
      progress.update(Math.min(bytesRead, totalBytes), published, invalid);
    }
    await flush();
    await inFlight;
  } finally {
    lines.close();
    await inFlight.catch(() => undefined);
    await publisher.close();
  }

  if (invalid > maxReported) progress.note(`... and ${invalid - maxReported} more invalid lines`);
  const seconds = (performance.now() - started) / 1000;
  progress.done(published, invalid, seconds);
  return { published, invalid, seconds: round(seconds, 3), eventsPerSecond: seconds > 0 ? round(published / seconds, 1) : 0 };
}

/** With a rate, batches of about 50 ms of events, so that pacing stays smooth at low rates. */
function pacedBatchSize(batchSize: number, rate: number | undefined): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  return rate === undefined ? batchSize : Math.max(1, Math.min(batchSize, Math.floor(rate / 20)));
}

async function sleepUntil(deadline: number): Promise<void> {
  // Timers may fire a little early; loop until the deadline has really passed.
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const BAR_WIDTH = 30;

/** A progress bar redrawn in place on a TTY; plain periodic lines elsewhere (CI logs, pipes). */
class Progress {
  private lastDraw = performance.now();
  private drawn = false;
  private readonly started = performance.now();

  constructor(
    private readonly out: ReplayLog | null,
    private readonly totalBytes: number,
    private readonly everyMs: number,
  ) {}

  /** Writes a line of its own, above the bar on a TTY. */
  note(text: string): void {
    if (!this.out) return;
    this.out.write(`${this.drawn ? '\r\x1b[K' : ''}${text}\n`);
    this.drawn = false;
  }

  update(bytes: number, published: number, invalid: number): void {
    if (!this.out) return;
    const now = performance.now();
    const tty = this.out.isTTY === true;
    if (now - this.lastDraw < (tty ? 100 : this.everyMs)) return;
    this.lastDraw = now;
    const fraction = this.totalBytes > 0 ? bytes / this.totalBytes : 1;
    const seconds = (now - this.started) / 1000;
    const figures = `${(fraction * 100).toFixed(1)}% ${published} published, ${invalid} invalid, ${Math.round(published / Math.max(seconds, 1e-3))} events/s`;
    if (tty) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${figures}`;
      // A bar wider than the terminal wraps, and `\r` then no longer returns to its start.
      this.out.write(`\r\x1b[K${this.out.columns ? bar.slice(0, this.out.columns - 1) : bar}`);
      this.drawn = true;
    } else {
      this.out.write(`replay: ${figures}\n`);
    }
  }

  done(published: number, invalid: number, seconds: number): void {
    this.note(`replay: done, ${published} published, ${invalid} invalid in ${seconds.toFixed(1)} s`);
  }
}
