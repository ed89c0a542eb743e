import { EmbargoError } from '@embargo/contracts';
import { isUtf8 } from 'node:buffer';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also takes application/x-www-form-urlencoded bodies (see FORM_BODY). */
    formBody?: boolean;
  }
}

/**
 * Route config (spread into the route's `RouteConfig`, which keeps only the last one given)
 * that lets a route take application/x-www-form-urlencoded bodies as well as JSON, as an
 * OAuth token endpoint must. Every other route takes JSON only.
 */
export const FORM_BODY = { formBody: true } as const;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
/** The charsets JSON is read as: UTF-8 and its ASCII subset (RFC 8259 §8.1). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/** A Content-Type split into its lower-cased media type and parameters. */
export function parseMediaType(header: string): { type: string; params: Map<string, string> } {
  const [type, ...rest] = header.split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    params.set(param.slice(0, eq).trim().toLowerCase(), value);
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Why a request's body is refused before it is read, or undefined. Bodies are JSON (or,
 * where the route says so, a form) in UTF-8 and uncompressed: anything else would be
 * misread as such, so it is refused with 415 instead.
 */
export function bodyRefusal(
  headers: {
    'content-type'?: string;
    'content-encoding'?: string;
    'content-length'?: string;
    'transfer-encoding'?: string;
  },
  takesForm: boolean,
): EmbargoError | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    return new EmbargoError(
      'unsupported_media_type',
      `content-encoding ${encoding.slice(0, 100)} is not supported; send the body uncompressed`,
    );
  const accepted = takesForm ? `${JSON_TYPE} or ${FORM_TYPE}` : JSON_TYPE;
  if (headers['content-type'] === undefined) {
    // No body needs no type (the route then says what is missing); a body without one would
    // get Fastify's bare "Unsupported Media Type", which does not say what to send.
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0');
    return hasBody
      ? new EmbargoError('unsupported_media_type', `Content-Type is missing; send ${accepted}`)
      : undefined;
  }
  const { type, params } = parseMediaType(headers['content-type']);
  if (type !== JSON_TYPE && !(takesForm && type === FORM_TYPE))
    return new EmbargoError(
      'unsupported_media_type',
      `Content-Type ${type.slice(0, 100) || '(empty)'} is not supported; send ${accepted}`,
    );
  const charset = params.get('charset')?.toLowerCase();
  if (charset !== undefined && !UTF8_CHARSETS.has(charset))
    return new EmbargoError(
      'unsupported_media_type',
      `charset ${charset.slice(0, 100)} is not supported; send ${accepted} in UTF-8`,
    );
  return undefined;
}

/**
 * What to tell the caller about a JSON body that is not UTF-8 (RFC 8259 §8.1: the parser
 * would misread it rather than refuse it), or that the parser refused. The parser refuses
 * valid JSON too when it holds `__proto__`, or `constructor` holding `prototype` (prototype
 * poisoning): that refusal stands, but it should not be called invalid JSON.
 */
export function refusedJson(body: Buffer): EmbargoError {
  if (body.length === 0)
    return new EmbargoError('invalid_json', 'The request body is empty; send a JSON object');
  if (!isUtf8(body))
    return new EmbargoError('invalid_json', 'Request body is not valid UTF-8; send JSON in UTF-8');
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    return new EmbargoError('invalid_json', 'Request body is not valid JSON');
  }
  return new EmbargoError(
    'invalid_json',
    'Request body holds a key that is not accepted: "__proto__", or "constructor" holding "prototype"',
  );
}
