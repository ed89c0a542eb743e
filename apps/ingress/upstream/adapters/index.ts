import type { Provider } from '../connections';
import type { UpstreamAdapter } from './adapter';
import { AzureOpenAiAdapter } from './azure-openai.adapter';
import { CohereAdapter } from './cohere.adapter';
import { OllamaAdapter } from './ollama.adapter';
import { OpenAiAdapter } from './openai.adapter';
import { TeiAdapter } from './tei.adapter';

export * from './adapter';
export { AzureOpenAiAdapter, CohereAdapter, OllamaAdapter, OpenAiAdapter, TeiAdapter };

/** Adapters are stateless; one instance per provider serves every connection. */
const ADAPTERS: Record<Provider, UpstreamAdapter> = {
  openai: new OpenAiAdapter('openai'),
  azure_openai: new AzureOpenAiAdapter(),
  cohere: new CohereAdapter(),
  tei: new TeiAdapter(),
  ollama: new OllamaAdapter(),
  // The stand-in speaks the OpenAI API, so it takes the OpenAI adapter.
  stand_in: new OpenAiAdapter('stand_in'),
};

export function adapterFor(provider: Provider): UpstreamAdapter {
  return ADAPTERS[provider];
}
