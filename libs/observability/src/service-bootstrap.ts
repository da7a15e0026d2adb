import { DynamicModule, INestApplication, Logger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '@recsys/config';

const LEVELS: Record<AppConfig['LOG_LEVEL'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/**
 * Creates a service's Nest application with the shared settings: log level, body limit. Does not
 * listen; see {@link listen}. Signals are handled by {@link runService}.
 */
export async function createService(rootModule: Type<unknown> | DynamicModule, config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    logger: LEVELS[config.LOG_LEVEL],
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.HTTP_BODY_LIMIT_BYTES });
  app.disable('x-powered-by');
  return app;
}

/** Listens on `port` and logs the service's URL. */
export async function listen(app: INestApplication, name: string, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  new Logger(name).log(`listening on ${url}`);
  return url;
}

/**
 * The whole `main.ts` of a service: validate the configuration (exit 1 with the list of bad keys),
 * build the root module, listen on the service's port. SIGTERM closes everything in order.
 */
export function runService(
  name: string,
  rootModule: (config: AppConfig) => DynamicModule,
  port: (config: AppConfig) => number,
): void {
  const start = async (): Promise<void> => {
    const config = loadConfig();
    const app = await createService(rootModule(config), config);
    closeOnSignals(app, name);
    await listen(app, name, port(config), config.HOST);
  };
  start().catch((err: unknown) => {
    console.error(`[${name}] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/**
 * On SIGTERM or SIGINT: stop accepting requests, run every module's shutdown hooks (consumers
 * commit, queues drain, connections close), then exit 0. A second signal exits at once.
 */
export function closeOnSignals(app: INestApplication, name: string): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(1);
    closing = true;
    const logger = new Logger(name);
    logger.log(`${signal}: shutting down`);
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
