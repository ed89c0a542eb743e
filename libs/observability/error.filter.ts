import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { EmbargoError, ERROR_CODES, type ErrorCode, toOpenAiError } from '@embargo/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

function statusToCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limit_exceeded';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'invalid_request';
  }
}

/**
 * Every error leaves in the OpenAI shape. Unknown errors become a 500 carrying an error
 * id that is also in the log; the caller never sees a stack trace.
 */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(
      ctx.getResponse<FastifyReply>(),
      this.describe(exception, ctx.getRequest<FastifyRequest>()),
    );
  }

  /** What the caller is told. Unknown errors are logged here, once, with their error id. */
  protected describe(exception: unknown, request: FastifyRequest): DescribedError {
    let code: ErrorCode;
    let message: string;
    let param: string | undefined;
    let retryAfter: number | undefined;
    let type: string | undefined;
    let headers: Record<string, string> | undefined;

    if (exception instanceof EmbargoError) {
      code = exception.code;
      message = exception.message;
      ({ param, type, headers, retryAfterSeconds: retryAfter } = exception.details ?? {});
    } else if (exception instanceof HttpException) {
      code = statusToCode(exception.getStatus());
      const body = exception.getResponse();
      message =
        typeof body === 'string'
          ? body
          : typeof body === 'object' && body && 'message' in body
            ? String(body.message)
            : exception.message;
      if (exception.getStatus() === 404) {
        const path = request.url.split('?')[0];
        message = `Unknown route ${request.method} ${path}`;
        const allowed = request.is404 ? allowedMethods(request, path) : '';
        if (allowed) {
          code = 'method_not_allowed';
          message = `Method ${request.method} is not allowed on ${path}; use ${allowed}`;
          headers = { allow: allowed };
        }
      }
      if (code === 'invalid_request' && /JSON/.test(message)) {
        code = 'invalid_json';
        message = 'Request body is not valid JSON';
      }
    } else if (isClientError(exception)) {
      // Fastify's own errors never get here: Nest turns them into HttpExceptions, without
      // their code, so the body parsers (request-body.ts) throw EmbargoErrors instead.
      code = statusToCode(exception.statusCode);
      message =
        exception instanceof SyntaxError || /JSON/i.test(exception.message)
          ? 'Request body is not valid JSON'
          : exception.message;
      if (
        code === 'invalid_request' &&
        (exception instanceof SyntaxError || /JSON/i.test(exception.message))
      )
        code = 'invalid_json';
    } else {
      const errorId = randomUUID();
      this.logger.error({ err: exception, errorId, requestId: request.id }, 'unhandled error');
      code = 'internal_error';
      message = `Internal error (error id ${errorId})`;
    }

    return { code, message, param, retryAfter, type, headers };
  }

  protected respond(
    reply: FastifyReply,
    { code, message, param, retryAfter, type, headers }: DescribedError,
  ): void {
    if (headers) void reply.headers(headers);
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    void reply.status(ERROR_CODES[code].status).send(toOpenAiError(code, message, param, type));
  }
}

export interface DescribedError {
  code: ErrorCode;
  message: string;
  param?: string;
  retryAfter?: number;
  /** OpenAI's type when the code alone does not say it (see EmbargoError). */
  type?: string;
  headers?: Record<string, string>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The methods a path that matched no route does take, as an `Allow` value ('' for none): a
 * client sending GET to `POST /v1/embeddings` is told so rather than that the route does
 * not exist. Only unrouted requests pay for the lookups.
 */
function allowedMethods(request: FastifyRequest, path: string): string {
  return METHODS.filter((method) => request.server.findRoute({ method, url: path }) !== null).join(
    ', ',
  );
}

/** Errors Fastify raises for bad requests (body parsing, size, media type) carry a 4xx statusCode. */
function isClientError(e: unknown): e is Error & { code?: string; statusCode: number } {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}
