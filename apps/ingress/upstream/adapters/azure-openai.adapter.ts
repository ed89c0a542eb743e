import type { Secret } from '../secret';
import type { EmbeddingsRequest } from '../types';
import type {
  AdapterTarget,
  ProviderEmbeddings,
  ProviderRequest,
  UpstreamAdapter,
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
    return {
      method: 'POST',
      path: `${target.basePath}/openai/deployments/${deployment}/embeddings?api-version=${version}`,
      headers: target.headers,
      body: openAiBody(request, false),
    };
  }

  parseResponse(body: unknown): ProviderEmbeddings {
    return parseOpenAiShape(this.provider, body);
  }
}
