/**
 * `npm run replay -- --events FILE [--rate N] [--batch-size N]`: publishes a JSONL file of events
 * to Kafka (see `replayFile`). Progress and invalid lines go to stderr; stdout gets only the final
 * JSON summary, so the command can be piped. Exit 0 when every valid event was published, 1 when
 * the replay failed, 2 on bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { loadConfig } from '@recsys/config';
import { replayFile } from '../replay';

const USAGE = 'usage: npm run replay -- --events FILE [--rate EVENTS_PER_SECOND] [--batch-size N]';

/** Nest's console logger, on stderr for every level: stdout is reserved for the summary. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

function positive(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`);
  }
  return n;
}

async function main(): Promise<number> {
  let file: string;
  let rate: number | undefined;
  let batchSize: number | undefined;
  let config: ReturnType<typeof loadConfig>;
  try {
    const { values } = parseArgs({
      options: { events: { type: 'string' }, rate: { type: 'string' }, 'batch-size': { type: 'string' } },
      strict: true,
    });
    if (!values.events) throw new Error('--events FILE is required');
    file = values.events;
    rate = positive('rate', values.rate, false);
    batchSize = positive('batch-size', values['batch-size'], true);
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  Logger.overrideLogger(new StderrLogger({ logLevels: ['warn', 'error', 'fatal'] }));
  try {
    const summary = await replayFile({ file, rate, batchSize, config });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`replay failed: ${(err as Error).message}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
