import type { ErrorCode } from '@embargo/contracts';
import { type DescribedError, FORM_BODY } from '@embargo/observability';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@OAuthErrors()`: the route's errors take the RFC 6749 §5.2 shape. */
    oauthErrors?: boolean;
  }
}

/**
 * Marks a route as an OAuth token endpoint: its errors, including bodies Fastify refuses
 * before the handler runs, leave as `{"error","error_description"}` (RFC 8693 §2.2.2 points
 * to RFC 6749 §5.2), never cached. A route option rather than a controller filter, because
 * body-parser errors reach only the global filter.
 */
export const OAuthErrors = () => RouteConfig({ oauthErrors: true, ...FORM_BODY });

export function usesOAuthErrors(request: FastifyRequest): boolean {
  return request.routeOptions.config?.oauthErrors === true;
}

/** RFC 6749 §5.1: any response holding a token, or refusing one, must not be stored. */
export const NO_STORE_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * The registered codes this endpoint answers with. `invalid_client` is not among them: the
 * endpoint does no client authentication of its own (the subject token is the credential),
 * so it never sends 401 or `WWW-Authenticate`.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'server_error'
  | 'temporarily_unavailable';

export interface OAuthErrorAnswer {
  status: number;
  body: { error: OAuthErrorCode; error_description: string };
}

const BAD_REQUEST = { error: 'invalid_request', status: 400 } as const;
const NOT_GRANTED = { error: 'invalid_scope', status: 400 } as const;
const UNAVAILABLE = { error: 'temporarily_unavailable', status: 503 } as const;
const FAILED = { error: 'server_error', status: 500 } as const;

/**
 * Each gateway error code as the token endpoint says it. RFC 6749 §5.2 answers 400 unless
 * it says otherwise, and RFC 8693 §2.2.2 makes an invalid, expired, revoked or otherwise
 * unacceptable subject token `invalid_request`, so the 401s of the other endpoints are 400s
 * here. Conditions §5.2 has no code for keep their HTTP status and borrow the codes
 * RFC 6749 §4.1.2.1 gives them: `server_error` (500) and `temporarily_unavailable` (503).
 * A rate limit is 429 with Retry-After: the status says what happened, and
 * `temporarily_unavailable` tells an OAuth client to retry later rather than fix its request
 * (`slow_down` belongs to the device grant's polling, RFC 8628; an unregistered code would
 * break RFC 6749 §8.5 for a registered grant type).
 */
const OAUTH_ERRORS: Record<ErrorCode, { error: OAuthErrorCode; status: number }> = {
  invalid_request: BAD_REQUEST,
  invalid_json: BAD_REQUEST,
  batch_too_large: BAD_REQUEST,
  unsupported_grant_type: { error: 'unsupported_grant_type', status: 400 },
  invalid_scope: NOT_GRANTED,
  unauthenticated: BAD_REQUEST,
  invalid_token: BAD_REQUEST,
  token_revoked: BAD_REQUEST,
  // The policy refusing a model the scope names: "exceeds the scope granted".
  forbidden: NOT_GRANTED,
  policy_denied: NOT_GRANTED,
  approval_denied: BAD_REQUEST,
  approval_expired: BAD_REQUEST,
  model_not_found: NOT_GRANTED,
  not_found: BAD_REQUEST,
  // Unrouted, so never the token endpoint's own answer.
  method_not_allowed: { error: 'invalid_request', status: 405 },
  conflict: BAD_REQUEST,
  // The body was not read, so it is the size, not the request, that is refused.
  payload_too_large: { error: 'invalid_request', status: 413 },
  // Refused by the HTTP server before routing, so kept with their status.
  request_timeout: { error: 'invalid_request', status: 408 },
  headers_too_large: { error: 'invalid_request', status: 431 },
  // Recorded when the caller left before the answer; nobody reads it.
  client_closed: { error: 'invalid_request', status: 499 },
  unsupported_media_type: BAD_REQUEST,
  policy_invalid: BAD_REQUEST,
  rate_limit_exceeded: { error: 'temporarily_unavailable', status: 429 },
  internal_error: FAILED,
  upstream_error: { error: 'server_error', status: 502 },
  no_policy_bundle: UNAVAILABLE,
  audit_unavailable: UNAVAILABLE,
  masking_unavailable: UNAVAILABLE,
  approval_unavailable: UNAVAILABLE,
  unavailable: UNAVAILABLE,
  overloaded: UNAVAILABLE,
  upstream_rate_limited: UNAVAILABLE,
  upstream_timeout: { error: 'server_error', status: 504 },
  // Only the audit app answers it; listed because every code needs an answer here.
  search_timeout: { error: 'server_error', status: 504 },
};

/** What a client of RFC 8693 should read for a media type this endpoint does not take. */
const MEDIA_TYPES =
  'The request body must be application/x-www-form-urlencoded (RFC 8693 section 2.1) or a JSON object';

const MAX_DESCRIPTION = 1000;

export function toOAuthError(error: DescribedError): OAuthErrorAnswer {
  const { error: code, status } = OAUTH_ERRORS[error.code];
  const message = error.code === 'unsupported_media_type' ? MEDIA_TYPES : error.message;
  return { status, body: { error: code, error_description: describe(message) } };
}

/**
 * RFC 6749 §5.2 allows only printable ASCII without '"' and '\' in error_description;
 * messages can carry model names and claim values from the request.
 */
function describe(message: string): string {
  return message
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, MAX_DESCRIPTION);
}

export function sendOAuthError(
  reply: FastifyReply,
  answer: OAuthErrorAnswer,
  { retryAfter, headers }: Pick<DescribedError, 'retryAfter' | 'headers'> = {},
): void {
  if (headers) void reply.headers(headers);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  void reply.headers(NO_STORE_HEADERS).status(answer.status).send(answer.body);
}
