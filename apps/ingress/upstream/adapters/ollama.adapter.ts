import { z } from 'zod';
import type { EmbeddingsRequest } from '../types';
import {
  bearer,
  postJson,
  shapeError,
  textInputs,
  usageOf,
  type AdapterTarget,
  type ProviderEmbeddings,
  type ProviderRequest,
  type UpstreamAdapter,
} from './adapter';

const ollamaResponseSchema = z.object({
  model: z.string().optional(),
  embeddings: z.array(z.custom<unknown[]>(Array.isArray, 'must be an array')),
  prompt_eval_count: z.number().nonnegative().optional(),
});

/**
 * Ollama: POST {baseUrl}/api/embed `{ model, input }` → `{ embeddings, prompt_eval_count }`
 * (the batch endpoint, not the older single-text /api/embeddings). Ollama itself has no
 * auth; a credential, when configured, is sent as a bearer token for a proxy in front.
 */
export class OllamaAdapter implements UpstreamAdapter {
  readonly provider = 'ollama' as const;
  readonly acceptsTokenIds = false;

  authHeaders = bearer;

  buildRequest(request: EmbeddingsRequest, target: AdapterTarget): ProviderRequest {
    const body: Record<string, unknown> = {
      model: request.model,
      input: textInputs(request),
      // Ollama's default cuts an over-long input to the context and embeds the rest
      // silently; refused instead, as OpenAI and TEI refuse it, the caller gets a 400.
      truncate: false,
    };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    return postJson(target, '/api/embed', body);
  }

  parseResponse(body: unknown): ProviderEmbeddings {
    const parsed = ollamaResponseSchema.safeParse(body);
    if (!parsed.success) throw shapeError(this.provider, parsed.error.issues[0]);
    return {
      rows: parsed.data.embeddings,
      usage: usageOf(parsed.data.prompt_eval_count),
      model: parsed.data.model,
    };
  }
}
