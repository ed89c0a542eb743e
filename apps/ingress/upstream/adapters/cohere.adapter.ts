import { EmbargoError } from '@embargo/contracts';
import { z } from 'zod';
import type { ModelRoute } from '../connections';
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

/** Cohere's documented per-call limit for texts. */
export const COHERE_MAX_TEXTS = 96;

const cohereResponseSchema = z.object({
  embeddings: z.object({ float: z.array(z.custom<unknown[]>(Array.isArray, 'must be an array')) }),
  meta: z
    .object({
      billed_units: z.object({ input_tokens: z.number().nonnegative() }).partial().optional(),
    })
    .optional(),
});

/**
 * Cohere Embed v2: POST {baseUrl}/v2/embed (baseUrl https://api.cohere.com). Inputs are
 * embedded with the model's configured `inputType`, `search_document` by default (what a
 * gateway in front of an indexing or RAG pipeline mostly sees); only float vectors are
 * requested. `truncate: NONE`: Cohere's default cuts an over-long input and embeds the rest
 * silently, where OpenAI and TEI refuse it; the caller should know.
 */
export class CohereAdapter implements UpstreamAdapter {
  readonly provider = 'cohere' as const;
  readonly acceptsTokenIds = false;

  authHeaders = bearer;

  buildRequest(
    request: EmbeddingsRequest,
    target: AdapterTarget,
    model?: Pick<ModelRoute, 'inputType'>,
  ): ProviderRequest {
    const texts = textInputs(request);
    if (texts.length > COHERE_MAX_TEXTS) {
      throw new EmbargoError(
        'invalid_request',
        `This model accepts at most ${COHERE_MAX_TEXTS} inputs per request; split the batch.`,
        { param: 'input' },
      );
    }
    const body: Record<string, unknown> = {
      model: request.model,
      texts,
      input_type: model?.inputType ?? 'search_document',
      embedding_types: ['float'],
      truncate: 'NONE',
    };
    if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
    return postJson(target, '/v2/embed', body);
  }

  parseResponse(body: unknown): ProviderEmbeddings {
    const parsed = cohereResponseSchema.safeParse(body);
    if (!parsed.success) throw shapeError(this.provider, parsed.error.issues[0]);
    return {
      rows: parsed.data.embeddings.float,
      usage: usageOf(parsed.data.meta?.billed_units?.input_tokens),
    };
  }
}
