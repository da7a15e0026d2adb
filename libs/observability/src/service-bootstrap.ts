import { DynamicModule, INestApplication, Logger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppConfig, loadConfig } from '@recsys/config';
import { DomainError, codeForStatus, describeHttpError } from './http-errors';

/** Nest's log levels for each LOG_LEVEL. */
export const LOG_LEVELS: Record<AppConfig['LOG_LEVEL'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/**
 * Longest route parameter the router matches, in characters of the percent-encoded path. Fastify's default (100)
 * would answer 404 to ids the contract allows: 128 characters outside ASCII take up to 1,536 once encoded.
 */
const MAX_PARAM_LENGTH = 2048;

/** A service's root module, or a promise of it (so that a cluster's primary never loads the module's code). */
export type RootModuleFactory = (config: AppConfig) => DynamicModule | Type<unknown> | Promise<DynamicModule | Type<unknown>>;

/**
 * Creates a service's Nest application on Fastify with the shared settings: log level, a JSON body parser limited
 * to HTTP_BODY_LIMIT_BYTES (an empty body reads as no body, as it did on Express), and every error the HTTP layer
 * itself raises answered in the contract's `{"error": {code, message}}` shape: invalid JSON 400, a body over the
 * limit 413, another content type 415, an unknown route 404, a malformed URL or request 400. Does not listen; see
 * {@link listen}. Signals are handled by {@link runService}.
 */
export async function createService(rootModule: Type<unknown> | DynamicModule, config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    // errors raised before a request reaches Nest (a URL that does not decode); Nest's own handlers see the rest
    frameworkErrors: (error: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = describeHttpError(error);
      void reply.code(status).send(body);
    },
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    logger: LOG_LEVELS[config.LOG_LEVEL],
    bodyParser: false,
  });
  registerJsonParser(app.getHttpAdapter().getInstance(), config.HTTP_BODY_LIMIT_BYTES);
  return app;
}

/** Fastify's JSON parser (prototype poisoning refused), with an empty body as `undefined` and bad JSON as `invalid_json`. */
function registerJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parse(req, body as string, (err, value) => {
      if (err) done(new DomainError(400, 'invalid_json', 'the body is not valid JSON'), undefined);
      else done(null, value);
    });
  });
}

/** Answers a request Node's HTTP parser refused (malformed, headers too large, too slow) with the error shape, then closes. */
function answerClientError(err: ConnectionError | (Error & { code?: string }), socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 408 ? 'the request did not arrive in time' : status === 431 ? 'the request headers are too large' : 'the request could not be parsed';
  const body = JSON.stringify({ error: { code: codeForStatus(status), message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Listens on `host:port` (Fastify listens on localhost only unless told the host) and logs the service's URL. */
export async function listen(app: INestApplication, name: string, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  new Logger(name).log(`listening on ${url}`);
  return url;
}

/** How {@link serve} runs: `inCluster` for a worker of a cluster, whose primary handles repeated signals. */
export interface ServeOptions {
  /** Validated configuration; default: read from the environment. */
  config?: AppConfig;
  /** The process is a cluster worker: a second signal is left to the primary rather than exiting at once. Default false. */
  inCluster?: boolean;
}

/**
 * Runs one service in this process: validate the configuration (exit 1 with the list of bad keys), build the root
 * module, listen on the service's port. SIGTERM closes everything in order.
 */
export function serve(name: string, rootModule: RootModuleFactory, port: (config: AppConfig) => number, options: ServeOptions = {}): void {
  const start = async (): Promise<void> => {
    const config = options.config ?? loadConfig();
    const app = await createService(await rootModule(config), config);
    closeOnSignals(app, name, { inCluster: options.inCluster });
    await listen(app, name, port(config), config.HOST);
  };
  start().catch((err: unknown) => {
    console.error(`[${name}] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/**
 * The whole `main.ts` of a service: validate the configuration (exit 1 with the list of bad keys),
 * build the root module, listen on the service's port. SIGTERM closes everything in order.
 */
export function runService(name: string, rootModule: RootModuleFactory, port: (config: AppConfig) => number): void {
  serve(name, rootModule, port);
}

/**
 * On SIGTERM or SIGINT: stop accepting requests, run every module's shutdown hooks (consumers
 * commit, queues drain, connections close), then exit 0. A second signal exits at once, except in a
 * cluster worker (`inCluster`, default false): there the primary forwards the signal a terminal also sent
 * the worker, and escalates itself on a second one.
 */
export function closeOnSignals(app: INestApplication, name: string, options: { inCluster?: boolean } = {}): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      if (options.inCluster) return;
      process.exit(1);
    }
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
