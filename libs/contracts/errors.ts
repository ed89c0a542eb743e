/**
 * Error codes shared by every service. The edge maps a code to an HTTP status and the
 * OpenAI error shape `{"error":{"message","type","code","param"}}`; codes are stored values.
 * Types are OpenAI's: a refused key or a model the caller may not use is an
 * `invalid_request_error` there (401 and 403), so clients that branch on `type` see the
 * same values through Embargo as from OpenAI.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  batch_too_large: { status: 400, type: 'invalid_request_error' },
  // The token endpoint's own refusals (RFC 6749 §5.2 names them; it answers in that shape).
  unsupported_grant_type: { status: 400, type: 'invalid_request_error' },
  invalid_scope: { status: 400, type: 'invalid_request_error' },
  unauthenticated: { status: 401, type: 'invalid_request_error' },
  invalid_token: { status: 401, type: 'invalid_request_error' },
  token_revoked: { status: 401, type: 'invalid_request_error' },
  forbidden: { status: 403, type: 'invalid_request_error' },
  policy_denied: { status: 403, type: 'invalid_request_error' },
  approval_denied: { status: 403, type: 'invalid_request_error' },
  approval_expired: { status: 403, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  // A known path asked with a method it does not take (RFC 9110 §15.5.6: with `Allow`).
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  policy_invalid: { status: 422, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  // The caller closed its connection before the answer (nginx's 499): recorded, never sent.
  client_closed: { status: 499, type: 'invalid_request_error' },
  // OpenAI's code; its type says which limit refused (`requests` or `tokens`).
  rate_limit_exceeded: { status: 429, type: 'requests' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'server_error' },
  no_policy_bundle: { status: 503, type: 'server_error' },
  audit_unavailable: { status: 503, type: 'server_error' },
  masking_unavailable: { status: 503, type: 'server_error' },
  approval_unavailable: { status: 503, type: 'server_error' },
  unavailable: { status: 503, type: 'server_error' },
  // The instance holds as many requests as it takes at once (MAX_IN_FLIGHT); retry shortly.
  overloaded: { status: 503, type: 'server_error' },
  // The upstream model refused for load (its 429) past the gateway's retries.
  upstream_rate_limited: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
  // An audit search ran past AUDIT_SEARCH_TIMEOUT_MS; its partial results are not sent.
  search_timeout: { status: 504, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A domain error: services throw it, the edge turns it into a response or dead letter. */
export class EmbargoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: {
      retryAfterSeconds?: number;
      param?: string;
      /** OpenAI's error type where it depends on the case (a 429: `requests` or `tokens`). */
      type?: string;
      /** Headers the answer carries (a 429's `x-ratelimit-*`). */
      headers?: Record<string, string>;
    },
  ) {
    super(message);
    this.name = 'EmbargoError';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export function toOpenAiError(
  code: ErrorCode,
  message: string,
  param?: string,
  type: string = ERROR_CODES[code].type,
): OpenAiErrorBody {
  return { error: { message, type, code, param: param ?? null } };
}
