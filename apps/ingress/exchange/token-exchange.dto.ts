import { EmbargoError } from '@embargo/contracts';
import { z } from 'zod';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ISSUED_TYPES = [JWT_TYPE, 'urn:ietf:params:oauth:token-type:access_token'] as const;
const SUBJECT_TYPES = [
  JWT_TYPE,
  'urn:ietf:params:oauth:token-type:access_token',
  'urn:ietf:params:oauth:token-type:id_token',
] as const;
/** As long as a model name may be in a request (and in its audit events). */
export const MAX_MODEL_NAME = 200;
/** The most of a caller's parameter name or scope entry repeated back in a message. */
const ECHOED = 100;

const exchangeSchema = z.object({
  subject_token: z.string().min(1).max(16384),
  subject_token_type: z.enum(SUBJECT_TYPES, {
    message: `must be one of ${SUBJECT_TYPES.join(', ')}`,
  }),
  /** Space-separated `model:<name>` entries: the models the new token may use. */
  scope: z.string().max(4000).optional(),
  /** Requested lifetime in seconds; capped by the gateway and by the subject token. */
  expires_in: z.coerce.number().int().min(1).max(86400).optional(),
  /** `true` makes a token good for exactly one request. */
  single_use: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  /** What the gateway issues is a JWT access token; asking for another type is refused. */
  requested_token_type: z
    .enum(ISSUED_TYPES, { message: `must be one of ${ISSUED_TYPES.join(', ')}` })
    .optional(),
});

/**
 * Parameters of RFC 8693 this endpoint does not honour. Ignoring them would hand out a
 * token that means less than the caller asked for (no delegation, no other audience), so
 * a request naming one is refused (RFC 8693 §2.2.2).
 */
const UNHONOURED: Record<string, string> = {
  actor_token: 'Delegation (actor_token) is not supported: exchange the subject token alone',
  actor_token_type: 'Delegation (actor_token) is not supported: exchange the subject token alone',
  resource: 'Tokens are issued for this gateway only: resource is not supported',
  audience: 'Tokens are issued for this gateway only: audience is not supported',
};

export interface ExchangeRequest {
  subjectToken: string;
  /** The models named by `scope`, each once, in the order asked for. */
  models: string[];
  expiresIn?: number;
  singleUse: boolean;
}

/**
 * Reads an RFC 8693 token-exchange request, form-encoded or JSON. The grant type is judged
 * first: another grant's request is `unsupported_grant_type`, whatever else it lacks.
 */
export function parseExchangeRequest(body: unknown): ExchangeRequest {
  const params = readParameters(body);
  if (params.grant_type === undefined) throw invalidRequest('Missing grant_type');
  if (params.grant_type !== TOKEN_EXCHANGE) {
    throw new EmbargoError(
      'unsupported_grant_type',
      `This endpoint offers only the ${TOKEN_EXCHANGE} grant`,
      { param: 'grant_type' },
    );
  }
  for (const name of Object.keys(UNHONOURED))
    if (Object.hasOwn(params, name)) throw invalidRequest(UNHONOURED[name], name);
  const parsed = exchangeSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') ?? '';
    throw invalidRequest(
      params[param] === undefined ? `Missing ${param}` : `Invalid ${param}: ${issue?.message}`,
      param,
    );
  }
  const req = parsed.data;
  return {
    subjectToken: req.subject_token,
    models: readScope(req.scope ?? ''),
    expiresIn: req.expires_in,
    singleUse: req.single_use === true || req.single_use === 'true',
  };
}

/**
 * The request's parameters: one value each (RFC 6749 §3.2 forbids repeating one; the form
 * parser makes a repeated one an array), and one sent without a value counts as not sent
 * (RFC 6749 §3.1). Unknown parameters are ignored, as §3.1 asks.
 */
function readParameters(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be form-encoded parameters or a JSON object');
  }
  const entries = Object.entries(body);
  const repeated = entries.find(([, value]) => Array.isArray(value));
  if (repeated) {
    throw invalidRequest(
      `Parameter ${repeated[0].slice(0, ECHOED)} is sent more than once`,
      repeated[0].slice(0, ECHOED),
    );
  }
  // fromEntries defines own properties: a `__proto__` parameter stays a parameter.
  return Object.fromEntries(entries.filter(([, value]) => value !== ''));
}

/**
 * `scope` names models as `model:<name>` (RFC 6749 §3.3 scope tokens), so a missing,
 * malformed or refused entry is `invalid_scope` (§3.3: a server without a default scope
 * fails the request that way); RFC 8693's `invalid_target` is for the `resource` and
 * `audience` parameters, which this endpoint does not take.
 */
function readScope(scope: string): string[] {
  const entries = [...new Set(scope.split(' ').filter(Boolean))];
  if (entries.length === 0)
    throw new EmbargoError('invalid_scope', 'scope must name at least one model:<name>', {
      param: 'scope',
    });
  return entries.map((s) => {
    if (!s.startsWith('model:') || s.length === 6 || s.length > 6 + MAX_MODEL_NAME) {
      throw new EmbargoError(
        'invalid_scope',
        `Scope entries must read model:<name>, with a name of at most ${MAX_MODEL_NAME} characters, got '${s.slice(0, ECHOED)}'`,
        { param: 'scope' },
      );
    }
    return s.slice(6);
  });
}

function invalidRequest(message: string, param?: string): EmbargoError {
  return new EmbargoError('invalid_request', message, { param });
}
