import { prepareTarget, toOpenAiResponse } from './adapter';
import { adapterFor } from './index';
import { testConnection } from './testing';

describe('azure_openai adapter', () => {
  const adapter = adapterFor('azure_openai');
  const target = prepareTarget(
    adapter,
    testConnection('azure_openai', 'https://contoso.openai.azure.com', 'azure-secret'),
  );

  it('posts to the deployment route with api-version and an api-key header', () => {
    const req = adapter.buildRequest(
      { model: 'emb small/v1', input: 'hello', dimensions: 512 },
      target,
    );
    expect(req.path).toBe('/openai/deployments/emb%20small%2Fv1/embeddings?api-version=2024-10-21');
    expect(req.headers['api-key']).toBe('azure-secret');
    expect(req.headers.authorization).toBeUndefined();
    // The deployment picks the model: the body names none.
    expect(JSON.parse(req.body)).toEqual({
      input: 'hello',
      encoding_format: 'base64',
      dimensions: 512,
    });
  });

  it('accepts token-id input and the OpenAI response shape', () => {
    expect(adapter.acceptsTokenIds).toBe(true);
    const parsed = adapter.parseResponse(
      {
        object: 'list',
        data: [
          { object: 'embedding', embedding: [0.0023064255, -0.009327292, 0.015797377], index: 0 },
        ],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 8, total_tokens: 8 },
      },
      {},
    );
    const { response } = toOpenAiResponse(parsed, { count: 1, encoding: 'float', model: 'public' });
    expect(response.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(response.data[0].embedding).toEqual([0.0023064255, -0.009327292, 0.015797377]);
  });
});
