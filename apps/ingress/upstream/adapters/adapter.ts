import { endianness } from 'node:os';
import { EmbargoError, encodeBase64 } from '@embargo/contracts';
import type { Connection, ModelRoute, Provider } from '../connections';
import type { Secret } from '../secret';
import type {
  EmbeddingItem,
  EmbeddingsRequest,
  EmbeddingsResponse,
  EncodingFormat,
} from '../types';

/** One provider HTTP call. `headers` may be shared between calls: never mutate it. */
export interface ProviderRequest {
  method: 'POST';
  /** Path and query, relative to the connection's origin. */
  path: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** What the adapters need of a connection, prepared once so the hot path only builds a body. */
export interface AdapterTarget {
  /** The baseUrl's path without a trailing slash ('' or e.g. '/v1'). */
  basePath: string;
  /** Content headers, the connection's extra headers and the auth header. */
  headers: Readonly<Record<string, string>>;
  apiVersion?: string;
}

/** A provider body reduced to what every provider has: one row per input, in input order. */
export interface ProviderEmbeddings {
  /** Unvalidated rows: base64 strings (what OpenAI-shaped upstreams are asked for) or number arrays. */
  rows: unknown[];
  /**
   * The provider's own token counts; undefined when it sent none, so that the gateway
   * reports its own count rather than 0.
   */
  usage?: { promptTokens: number; totalTokens: number };
  model?: string;
}

export interface UpstreamAdapter {
  readonly provider: Provider;
  /** Whether token-id inputs (number[] / number[][]) may be forwarded as they are. */
  readonly acceptsTokenIds: boolean;
  authHeaders(credential: Secret | undefined): Record<string, string>;
  /** `model` carries the route's provider-specific settings (Cohere's input type). */
  buildRequest(
    request: EmbeddingsRequest,
    target: AdapterTarget,
    model?: Pick<ModelRoute, 'inputType'>,
  ): ProviderRequest;
  /** Throws MalformedUpstreamResponse when the body is not the provider's documented shape. */
  parseResponse(
    body: unknown,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): ProviderEmbeddings;
}

/** The upstream answered 2xx with a body we cannot use; the client turns it into a 502. */
export class MalformedUpstreamResponse extends Error {
  override name = 'MalformedUpstreamResponse';
}

export function prepareTarget(adapter: UpstreamAdapter, connection: Connection): AdapterTarget {
  return {
    basePath: new URL(connection.baseUrl).pathname.replace(/\/+$/, ''),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...connection.headers,
      ...adapter.authHeaders(connection.credential),
    },
    apiVersion: connection.azure?.apiVersion,
  };
}

export function isTokenInput(input: EmbeddingsRequest['input']): input is number[] | number[][] {
  if (!Array.isArray(input) || input.length === 0) return false;
  const first = input[0];
  return typeof first === 'number' || Array.isArray(first);
}

export function inputCount(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return 1;
  return typeof input[0] === 'number' ? 1 : input.length;
}

/** Text inputs as a list, for providers that only take text. */
export function textInputs(request: EmbeddingsRequest): string[] {
  if (isTokenInput(request.input)) {
    // Which provider serves the model is not the caller's business.
    throw new EmbargoError(
      'invalid_request',
      'This model does not accept token-id input; send text instead.',
      { param: 'input' },
    );
  }
  return typeof request.input === 'string' ? [request.input] : request.input;
}

/** A POST of `body` (JSON) to `path` under the connection's base path. */
export function postJson(
  target: AdapterTarget,
  path: string,
  body: string | Record<string, unknown>,
): ProviderRequest {
  return {
    method: 'POST',
    path: `${target.basePath}${path}`,
    headers: target.headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export function bearer(credential: Secret | undefined): Record<string, string> {
  return credential ? { authorization: `Bearer ${credential.reveal()}` } : {};
}

/** Usage from one token count, or none when the provider sent none. */
export function usageOf(tokens: number | undefined): ProviderEmbeddings['usage'] {
  return tokens === undefined ? undefined : { promptTokens: tokens, totalTokens: tokens };
}

export function headerNumber(value: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Anything outside the standard base64 alphabet and its padding. */
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

export function decodeBase64(text: string): Float32Array {
  // Buffer.from skips what it cannot read (and takes the URL-safe alphabet too), so a
  // corrupted vector would decode to other numbers, or shifted ones, without a word.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const firstPad = text.indexOf('=');
  const padInside = firstPad !== -1 && firstPad < text.length - padding;
  if (text.length % 4 !== 0 || padInside || NOT_BASE64.test(text))
    throw new MalformedUpstreamResponse('a base64 embedding is not valid base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0)
    throw new MalformedUpstreamResponse(
      'a base64 embedding is not a whole number of float32 values',
    );
  let out: Float32Array;
  if (LITTLE_ENDIAN) {
    // A copy into its own aligned buffer (the decoded bytes live in Node's shared pool).
    out = new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer);
  } else {
    out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  }
  // As for float rows: NaN and infinities are not embeddings (and have no JSON form).
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]))
      throw new MalformedUpstreamResponse(`a base64 embedding has a non-finite value at ${i}`);
    // -0 as +0, as for float rows (see toVector).
    if (out[i] === 0) out[i] = 0;
  }
  return out;
}

/**
 * Validates one row and converts it to float32 in the same pass. Rows are checked here
 * rather than with a per-element zod schema because a batch can hold millions of numbers.
 */
function toVector(row: unknown, index: number): Float32Array {
  if (typeof row === 'string') return decodeBase64(row);
  if (!Array.isArray(row))
    throw new MalformedUpstreamResponse(`embedding ${index} is not an array`);
  const out = new Float32Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const v: unknown = row[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MalformedUpstreamResponse(`embedding ${index} has a non-numeric value at ${i}`);
    }
    // -0 as +0: a float answer writes it "0", which reads back as +0, so the fingerprint
    // (over these bytes) could not be recomputed from it as from a base64 answer.
    out[i] = v === 0 ? 0 : v;
    // Finite as a double, yet beyond float32 (e.g. 1e300): it would go out as null.
    if (!Number.isFinite(out[i]))
      throw new MalformedUpstreamResponse(`embedding ${index} has a value beyond float32 at ${i}`);
  }
  return out;
}

/** Wider than any embedding model in use (the largest have 4,096 or 8,192 dimensions). */
export const MAX_DIMENSIONS = 16_384;

export interface Expectation {
  count: number;
  dimensions?: number;
  /** The most a vector may have when `dimensions` is not known (see MAX_DIMENSIONS). */
  maxDimensions?: number;
  encoding: EncodingFormat;
  /** The model name callers see. */
  model: string;
}

/** Builds the OpenAI-shaped body and the float32 vectors the gateway fingerprints. */
export function toOpenAiResponse(
  parsed: ProviderEmbeddings,
  expect: Expectation,
): { response: EmbeddingsResponse; vectors: Float32Array[] } {
  const { rows } = parsed;
  if (rows.length !== expect.count) {
    throw new MalformedUpstreamResponse(`expected ${expect.count} embeddings, got ${rows.length}`);
  }
  const vectors = new Array<Float32Array>(rows.length);
  const data = new Array<EmbeddingItem>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const vector = toVector(rows[i], i);
    if (vector.length === 0) throw new MalformedUpstreamResponse(`embedding ${i} is empty`);
    if (expect.dimensions !== undefined && vector.length !== expect.dimensions) {
      throw new MalformedUpstreamResponse(
        `embedding ${i} has ${vector.length} dimensions, expected ${expect.dimensions}`,
      );
    }
    const widest = Math.max(expect.maxDimensions ?? 0, MAX_DIMENSIONS);
    if (expect.dimensions === undefined && vector.length > widest) {
      // Fingerprinting draws 64 random signs a dimension, all at once, and keeps them.
      throw new MalformedUpstreamResponse(
        `embedding ${i} has ${vector.length} dimensions, more than ${widest}`,
      );
    }
    if (i > 0 && vector.length !== vectors[0].length) {
      throw new MalformedUpstreamResponse(`embeddings have different lengths`);
    }
    vectors[i] = vector;
    const embedding =
      expect.encoding === 'base64'
        ? encodeBase64(vector)
        : Array.isArray(rows[i])
          ? (rows[i] as number[])
          : Array.from(vector);
    data[i] = { object: 'embedding', index: i, embedding };
  }
  const response: EmbeddingsResponse = { object: 'list', data, model: expect.model };
  if (parsed.usage)
    response.usage = {
      prompt_tokens: parsed.usage.promptTokens,
      total_tokens: parsed.usage.totalTokens,
    };
  return { response, vectors };
}

/** Turns a zod failure on a provider body into a short, content-free reason. */
export function shapeError(
  provider: Provider,
  issue: { path: PropertyKey[]; message: string } | undefined,
): MalformedUpstreamResponse {
  const where = issue?.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
  return new MalformedUpstreamResponse(
    `${provider} response does not match its documented shape${where}: ${issue?.message ?? 'invalid'}`,
  );
}
