import { z } from 'zod';
import type { Provider } from '../connections';
import type { EmbeddingsRequest } from '../types';
import {
  bearer,
  postJson,
  shapeError,
  type AdapterTarget,
  type ProviderEmbeddings,
  type ProviderRequest,
  type UpstreamAdapter,
} from './adapter';

/** `embedding` is checked row by row in toOpenAiResponse, not element by element here. */
const rowSchema = z.custom<unknown[] | string>(
  (v) => Array.isArray(v) || typeof v === 'string',
  'must be an array or base64',
);

export const openAiResponseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: rowSchema })),
  model: z.string().optional(),
  usage: z
    .object({ prompt_tokens: z.number().nonnegative(), total_tokens: z.number().nonnegative() })
    .partial()
    .optional(),
});

/**
 * The OpenAI request body, always asking for base64 whatever the caller asked: a quarter of
 * the bytes, and decoding it is far cheaper than parsing float JSON. Servers that ignore
 * `encoding_format` and send floats are accepted too (see toVector).
 */
export function openAiBody(request: EmbeddingsRequest, withModel: boolean): string {
  const body: Record<string, unknown> = { input: request.input, encoding_format: 'base64' };
  if (withModel) body.model = request.model;
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return JSON.stringify(body);
}

/** Orders `data` by `index`, which is authoritative even though providers send it in order. */
export function parseOpenAiShape(provider: Provider, body: unknown): ProviderEmbeddings {
  const parsed = openAiResponseSchema.safeParse(body);
  if (!parsed.success) throw shapeError(provider, parsed.error.issues[0]);
  const { data, usage, model } = parsed.data;
  const rows = new Array<unknown>(data.length);
  for (const item of data) {
    if (item.index >= data.length || rows[item.index] !== undefined) {
      throw shapeError(provider, { path: ['data', 'index'], message: 'indexes are not 0..n-1' });
    }
    rows[item.index] = item.embedding;
  }
  // Embeddings have no completion: either count stands for both.
  const promptTokens = usage?.prompt_tokens ?? usage?.total_tokens;
  return {
    rows,
    usage:
      promptTokens === undefined
        ? undefined
        : { promptTokens, totalTokens: usage?.total_tokens ?? promptTokens },
    model,
  };
}

/**
 * OpenAI: POST {baseUrl}/embeddings, where baseUrl includes the version
 * (https://api.openai.com/v1), as the OpenAI SDKs' baseURL does.
 */
export class OpenAiAdapter implements UpstreamAdapter {
  readonly acceptsTokenIds = true;

  constructor(readonly provider: Provider = 'openai') {}

  authHeaders = bearer;

  buildRequest(request: EmbeddingsRequest, target: AdapterTarget): ProviderRequest {
    return postJson(target, '/embeddings', openAiBody(request, true));
  }

  parseResponse(body: unknown): ProviderEmbeddings {
    return parseOpenAiShape(this.provider, body);
  }
}
