import type { ExceptionFilter, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { EmbargoError, ERROR_CODES, toOpenAiError, type ErrorCode } from '@embargo/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { OpenAiErrorFilter } from './error.filter';
import { PinoNestLogger } from './logger';
import { Metrics } from './metrics';
import { Readiness } from './readiness';
import { bodyRefusal, refusedJson } from './request-body';
import { LOGGER } from './observability.module';

export interface HttpAppOptions {
  port: number;
  host: string;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Largest accepted request line and headers together, in bytes (Node's default: 16 KiB). */
  maxHeaderBytes?: number;
  /** Longest a request may take to arrive whole, headers and body, in ms (default 30 s). */
  requestTimeoutMs?: number;
  shutdownGraceMs: number;
  /**
   * Requests the app holds at once, probes and metrics aside; the next is refused with 503
   * `overloaded` and Retry-After before any work (default: no cap).
   */
  maxInFlight?: number;
  /** Open connections the server keeps; one over it is closed as it arrives (default 4096). */
  maxConnections?: number;
  /** How long a connection may carry no request, a new one included (default 72 s). */
  keepAliveTimeoutMs?: number;
  /** Replaces the default OpenAI-shaped error filter (e.g. to audit rejections too). */
  errorFilter?: (app: NestFastifyApplication, logger: Logger) => ExceptionFilter;
  /** Told of each request the HTTP parser refused before the app saw it (e.g. to audit it). */
  onParserRefusal?: (app: NestFastifyApplication) => (refusal: ParserRefusal) => void;
}

/** A request the HTTP parser refused: what the caller was answered, and from where. */
export interface ParserRefusal {
  code: ErrorCode;
  status: number;
  message: string;
  /** The TCP peer's address, as Node reports it. */
  remoteAddress?: string;
}

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * What the caller calls this request (`x-client-request-id`, as OpenAI's API takes it, or
 * an `x-request-id` set by a proxy in front), when short and plain. It is recorded, never
 * used as the request id: a caller who could choose the id could overwrite another
 * request's audit events, whose ids derive from it.
 */
export function clientRequestId(req: {
  headers: Record<string, string | string[] | undefined>;
}): string | undefined {
  for (const name of ['x-client-request-id', 'x-request-id']) {
    const given = req.headers[name];
    if (typeof given === 'string' && CLIENT_REQUEST_ID.test(given)) return given;
  }
  return undefined;
}

/** The most of a refused body the server reads and discards so its 413 can be read. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * The answer to a request the HTTP parser refused (headers over the limit, malformed, too
 * slow), in the OpenAI shape like every other error. No request exists yet, so there is no
 * request id and no route (the app may still audit it, see onParserRefusal); the connection
 * is closed, as Node does.
 */
export function clientErrorResponse(err: { code?: string }): string {
  const { code, message, status } = parserRefusal(err);
  const body = JSON.stringify(toOpenAiError(code, message));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
    `Content-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** What the caller is told of a request the HTTP parser refused. */
function parserRefusal(err: { code?: string }): Omit<ParserRefusal, 'remoteAddress'> {
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'Request headers are larger than this server accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request did not arrive in time']
        : ['invalid_request', 'Malformed HTTP request'];
  return { code, message, status: ERROR_CODES[code].status };
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_CONNECTIONS = 4096;
/** Fastify's own default: longer than the 60 s idle time of common load balancers. */
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** Routes the in-flight cap never refuses: the orchestrator and Prometheus must see a busy instance. */
const UNCAPPED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** What a refused caller is told to wait: a held request usually ends within a second. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * The longest path parameter. Fastify's default (100) would refuse `GET /v1/models/{model}`
 * for a model name the connections allow (256 characters, each up to 3 percent-encoded).
 */
const MAX_PARAM_LENGTH = 1024;

/**
 * What to tell the caller about a path the router refused before routing (Fastify answers
 * these in its own shape, without a request id, unless given `frameworkErrors`).
 */
function frameworkErrorMessage(err: { code?: string }): string {
  return err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? `A segment of the URL path is longer than ${MAX_PARAM_LENGTH} characters`
    : 'The URL path is not valid: a percent sign must start a %XX escape of UTF-8';
}

/**
 * How often Node looks for requests past their time. Its default (30 s) would let a request
 * run up to twice its time; a tenth of it keeps the overrun small at a negligible cost.
 */
export function connectionsCheckingInterval(requestTimeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.round(requestTimeoutMs / 10)));
}

/**
 * Answers what the HTTP parser refused. A request whose body stops arriving in time already
 * exists in the app, so it is failed there instead (while its body is being read): it is then
 * answered like any refused body, with its request id, and audited.
 */
function clientErrorHandler(requestTimeoutMs: number, report: (r: ParserRefusal) => void) {
  const timedOut = new WeakSet<Socket>();
  return (err: Error & { code?: string }, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' &&
      !timedOut.has(socket) &&
      inFlight &&
      !inFlight.headersSent &&
      inFlight.req.listenerCount('error') > 0
    ) {
      // Node reports the same request again at its next check: the socket is closed then.
      timedOut.add(socket);
      inFlight.req.emit(
        'error',
        new EmbargoError(
          'request_timeout',
          `The request body did not arrive within ${requestTimeoutMs / 1000} s`,
        ),
      );
      return;
    }
    if (socket.writable && !timedOut.has(socket) && !inFlight?.headersSent) {
      socket.write(clientErrorResponse(err));
      report({ ...parserRefusal(err), remoteAddress: socket.remoteAddress });
    }
    socket.destroy(err);
  };
}

/**
 * Creates and starts a Fastify-backed Nest app with the shared error shape, request ids,
 * request metrics and graceful shutdown (stop readiness, drain in-flight, then close).
 */
export async function startHttpApp(
  module: unknown,
  opts: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Set once the app exists (the handler is given to the adapter before).
  let reportParserRefusal: (r: ParserRefusal) => void = () => undefined;
  const keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Without a bound, a body sent a byte at a time holds its connection open for ever.
    requestTimeout: requestTimeoutMs,
    http: {
      maxHeaderSize: opts.maxHeaderBytes,
      // Node swaps the two when the headers' time is the longer (its default is 60 s), and
      // would then give the body that longer time.
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      connectionsCheckingInterval: connectionsCheckingInterval(requestTimeoutMs),
      // Node's own 400 for a missing Host has an empty body: see onRequest.
      requireHostHeader: false,
    },
    clientErrorHandler: clientErrorHandler(requestTimeoutMs, (r) => reportParserRefusal(r)),
    logger: false,
    trustProxy: false,
    // Every request gets an id of the server's own (see clientRequestId).
    genReqId: () => randomUUID(),
    // Its 503 while closing is Fastify's own shape, without a request id: see onRequest.
    return503OnClosing: false,
    keepAliveTimeout: keepAliveTimeoutMs,
    maxParamLength: MAX_PARAM_LENGTH,
    frameworkErrors: (err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      void reply
        .header('x-request-id', req.id)
        .code(400)
        .send(toOpenAiError('invalid_request', frameworkErrorMessage(err)));
    },
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Nest's parsers would take form bodies on every route; see useBodyParsers.
    bodyParser: false,
  });
  // Node keeps the first 2000 headers and drops the rest unseen, a second Authorization
  // header among them (see JwtAuthGuard): every header is kept, maxHeaderBytes bounds them.
  app.getHttpServer().maxHeadersCount = 0;
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.useGlobalFilters(opts.errorFilter?.(app, logger) ?? new OpenAiErrorFilter(logger));
  if (opts.onParserRefusal) reportParserRefusal = opts.onParserRefusal(app);
  const metrics = app.get(Metrics);
  limitConnections(app.getHttpServer(), {
    maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    idleMs: keepAliveTimeoutMs,
    metrics,
  });
  let inFlight = 0;
  const readiness = app.get(Readiness);
  const fastify = app.getHttpAdapter().getInstance();
  useBodyParsers(app);

  fastify.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    const given = req.headers['x-client-request-id'];
    if (typeof given === 'string' && CLIENT_REQUEST_ID.test(given))
      void reply.header('x-client-request-id', given);
    // RFC 9112 §3.2: an HTTP/1.1 request without a Host is refused.
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1')
      throw new EmbargoError('invalid_request', 'The Host header is missing');
    // A request arriving on a kept-alive connection while the app shuts down: the one in
    // flight there is finished, this one is refused and the connection closed, so the
    // client retries on another instance and the shutdown is not held up.
    if (readiness.isDraining) {
      void reply.header('connection', 'close');
      throw new EmbargoError('unavailable', 'This instance is shutting down; retry the request');
    }
    // Before the body is read and anything authenticated, audited or forwarded: a flood or a
    // stalled dependency then costs each refused caller one short answer, and the held
    // requests keep their memory. A slot is given back when the answer is out or the caller
    // has left (its work is then cut, see callerGone in the ingress).
    const route = req.routeOptions?.url;
    if (opts.maxInFlight === undefined || (route && UNCAPPED_ROUTES.has(route))) return;
    if (inFlight >= opts.maxInFlight) {
      metrics.httpShed.inc({ route: route ?? 'unmatched' });
      throw new EmbargoError(
        'overloaded',
        `This instance is at its limit of ${opts.maxInFlight} requests in flight; retry shortly`,
        { retryAfterSeconds: OVERLOADED_RETRY_AFTER_SECONDS },
      );
    }
    inFlight++;
    metrics.httpInFlight.inc();
    holdUntilClosed(req.raw.socket, reply.raw, () => {
      inFlight--;
      metrics.httpInFlight.dec();
    });
  });
  fastify.addHook('onSend', async (req, reply, payload) => {
    // The gateway's own time on every answer, errors included; a route that can tell more
    // (the embeddings route splits gateway and upstream time) sets its own.
    if (!reply.hasHeader('server-timing'))
      void reply.header('server-timing', `gateway;dur=${reply.elapsedTime.toFixed(2)}`);
    // Fastify closes the connection after refusing a body, while the rest of that body is
    // still arriving: the kernel then resets the connection and the client can lose the 413
    // it was sent (seen as EPIPE). Up to a bound, keep the connection instead, so Node reads
    // and discards the rest and the answer reaches the client.
    if (reply.statusCode === 413 && Number(req.headers['content-length']) <= MAX_DRAINED_BYTES)
      reply.removeHeader('connection');
    // A caller that stops reading would keep its answer (tens of MB for a large batch) in
    // memory for as long as it keeps the connection open: it is closed once the caller has
    // taken no byte for as long as a request may take to arrive. Node replaces this with
    // the keep-alive timeout once the answer is out.
    reply.raw.setTimeout(requestTimeoutMs);
    return payload;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (route !== '/healthz' && route !== '/readyz' && route !== '/metrics') {
      logger.info(
        {
          requestId: req.id,
          method: req.method,
          route,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    }
  });
  installShutdown(app, { logger, shutdownGraceMs: opts.shutdownGraceMs });
  await app.listen(opts.port, opts.host);
  logger.info({ port: opts.port, host: opts.host }, 'listening');
  return app;
}

/** Per connection, the slots its requests hold (see holdUntilClosed). */
const slotsOf = new WeakMap<Socket, Set<() => void>>();

/**
 * Calls `release` once, when the answer is out or its connection has closed, whichever comes
 * first. The answer's 'close' alone is not enough: the answers to requests pipelined behind
 * another wait in Node's queue without a socket, and when the caller leaves they are dropped
 * without any event, so their slots would be held for ever. One listener per connection, not
 * per request, so a long pipeline adds no listeners.
 */
function holdUntilClosed(socket: Socket, res: ServerResponse, release: () => void): void {
  if (socket.destroyed) {
    release();
    return;
  }
  let slots = slotsOf.get(socket);
  if (slots === undefined) {
    const held = new Set<() => void>();
    slots = held;
    slotsOf.set(socket, held);
    socket.once('close', () => {
      for (const give of held) give();
    });
  }
  const own = slots;
  const give = () => {
    if (!own.delete(give)) return;
    release();
  };
  own.add(give);
  res.once('close', give);
}

/**
 * Closes a connection over `maxConnections` as it arrives (Node counts and drops it before
 * any byte is read), and one that sends no request within `idleMs`: Node's header timeout
 * starts only with a request's first byte, so a silent connection would otherwise be kept
 * for ever. Between requests Node's keep-alive timeout (the same `idleMs`) closes it.
 */
function limitConnections(
  server: Server,
  opts: { maxConnections: number; idleMs: number; metrics: Metrics },
): void {
  server.maxConnections = opts.maxConnections;
  server.on('drop', () => opts.metrics.connectionsDropped.inc());
  const waiting = new WeakSet<Socket>();
  server.on('connection', (socket: Socket) => {
    // Node looks the peer's address up on first use and keeps it; first used after the caller
    // has left, it is undefined, and a refusal's audit event could no longer say who it was.
    void socket.remoteAddress;
    waiting.add(socket);
    // With no 'timeout' listener of the server's, Node destroys the socket when this fires.
    socket.setTimeout(opts.idleMs);
  });
  server.prependListener('request', (req: IncomingMessage) => {
    // From here, the request and keep-alive timeouts bound the connection.
    if (waiting.delete(req.socket)) req.socket.setTimeout(0);
  });
}

/**
 * JSON bodies on every route, form bodies only where the route says so (FORM_BODY), both in
 * UTF-8 and uncompressed; anything else is refused with 415 before the body is read. Parser
 * refusals are EmbargoErrors: Nest turns Fastify's own errors into bare HTTP exceptions,
 * which lose the reason.
 */
function useBodyParsers(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's parser, which refuses prototype poisoning ("__proto__", "constructor").
  const secureJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', {}, (req, body, done) => {
    // The parser would decode bytes that are not UTF-8 as U+FFFD: the text audited, masked
    // and forwarded would then not be the text sent. The check takes well under 1 µs per KiB.
    if (!isUtf8(body)) return done(refusedJson(body), undefined);
    // A callback parser: it returns nothing (the typings also allow a promise).
    void secureJson(req as never, body as never, (err, value) => {
      if (err) done(refusedJson(body), undefined);
      else done(null, value);
    });
  });
  app.useBodyParser('application/x-www-form-urlencoded', {}, (_req, body, done) => {
    done(null, parseQuery(body.toString('utf8')));
  });
  fastify.addHook('preParsing', async (req, _reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.is404) return payload;
    const refusal = bodyRefusal(req.headers, req.routeOptions.config?.formBody === true);
    if (refusal) throw refusal;
    return payload;
  });
}

/** Starts a Nest app without HTTP routes of its own besides health (workers). */
export function installShutdown(
  app: INestApplication,
  opts: { logger: Logger; shutdownGraceMs: number },
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    opts.logger.info({ signal }, 'shutting down: draining in-flight work');
    app.get(Readiness).startDraining();
    const force = setTimeout(() => {
      opts.logger.error('shutdown grace period elapsed, exiting');
      process.exit(1);
    }, opts.shutdownGraceMs + 5000);
    force.unref();
    app
      .close()
      .then(() => {
        opts.logger.info('stopped');
        opts.logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        opts.logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
