import { z } from 'zod';
import type { EmbeddingsRequest } from '../types';
import {
  bearer,
  postJson,
  headerNumber,
  shapeError,
  textInputs,
  usageOf,
  type AdapterTarget,
  type ProviderEmbeddings,
  type ProviderRequest,
  type UpstreamAdapter,
} from './adapter';

const teiResponseSchema = z.array(z.custom<unknown[]>(Array.isArray, 'must be an array'));

/**
 * Hugging Face Text Embeddings Inference, native route: POST {baseUrl}/embed
 * `{ inputs, normalize: true }` → `number[][]`. The model is whatever the server was
 * started with, so the body names none. /embed has no usage block; TEI reports the token
 * count in the `x-compute-tokens` response header, which we use when present.
 */
export class TeiAdapter implements UpstreamAdapter {
  readonly provider = 'tei' as const;
  readonly acceptsTokenIds = false;

  authHeaders = bearer;

  buildRequest(request: EmbeddingsRequest, target: AdapterTarget): ProviderRequest {
    // No dimensions: /embed has none (start-up refuses supportsDimensions on TEI, so a
    // request only names the native size, which needs no asking).
    const body: Record<string, unknown> = {
      inputs: textInputs(request),
      normalize: true,
      // TEI's default, spelt out: an over-long input is refused (413), not cut.
      truncate: false,
    };
    return postJson(target, '/embed', body);
  }

  parseResponse(
    body: unknown,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): ProviderEmbeddings {
    const parsed = teiResponseSchema.safeParse(body);
    if (!parsed.success) throw shapeError(this.provider, parsed.error.issues[0]);
    return { rows: parsed.data, usage: usageOf(headerNumber(headers['x-compute-tokens'])) };
  }
}
