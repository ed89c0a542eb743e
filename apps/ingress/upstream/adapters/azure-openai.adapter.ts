import type { Secret } from '../secret';
import type { EmbeddingsRequest } from '../types';
import {
  postJson,
  type AdapterTarget,
  type ProviderEmbeddings,
  type ProviderRequest,
  type UpstreamAdapter,
} from './adapter';
import { openAiBody, parseOpenAiShape } from './openai.adapter';

/**
 * Azure OpenAI: POST {baseUrl}/openai/deployments/{deployment}/embeddings?api-version=...
 * with an `api-key` header. The model's upstreamModel is the deployment name; the body
 * carries no model because the deployment picks it.
 */
export class AzureOpenAiAdapter implements UpstreamAdapter {
  readonly provider = 'azure_openai' as const;
  readonly acceptsTokenIds = true;

  authHeaders(credential: Secret | undefined): Record<string, string> {
    return credential ? { 'api-key': credential.reveal() } : {};
  }

  buildRequest(request: EmbeddingsRequest, target: AdapterTarget): ProviderRequest {
    const deployment = encodeURIComponent(request.model);
    const version = encodeURIComponent(target.apiVersion ?? '');
    return postJson(
      target,
      `/openai/deployments/${deployment}/embeddings?api-version=${version}`,
      openAiBody(request, false),
    );
  }

  parseResponse(body: unknown): ProviderEmbeddings {
    return parseOpenAiShape(this.provider, body);
  }
}
