import { EmbargoError } from '@embargo/contracts';
import { MalformedUpstreamResponse, prepareTarget, toOpenAiResponse } from './adapter';
import { adapterFor } from './index';
import { testConnection } from './testing';

describe('tei adapter (Text Embeddings Inference /embed)', () => {
  const adapter = adapterFor('tei');
  const target = prepareTarget(adapter, testConnection('tei', 'http://tei.internal:8080'));

  it('posts {inputs, normalize: true, truncate: false} to /embed without auth when none is configured', () => {
    const req = adapter.buildRequest(
      { model: 'BAAI/bge-large-en-v1.5', input: 'What is Deep Learning?' },
      target,
    );
    expect(req.path).toBe('/embed');
    expect(req.headers.authorization).toBeUndefined();
    expect(JSON.parse(req.body)).toEqual({
      inputs: ['What is Deep Learning?'],
      normalize: true,
      truncate: false,
    });
    // /embed has no dimensions: the native size needs no asking.
    const sized = adapter.buildRequest({ model: 'm', input: 'x', dimensions: 1024 }, target);
    expect(JSON.parse(sized.body)).not.toHaveProperty('dimensions');
  });

  it('sends a bearer token when the connection has one (e.g. HF Inference Endpoints)', () => {
    const t = prepareTarget(
      adapter,
      testConnection('tei', 'https://x.endpoints.huggingface.cloud', 'hf_token'),
    );
    expect(adapter.buildRequest({ model: 'm', input: ['a'] }, t).headers.authorization).toBe(
      'Bearer hf_token',
    );
  });

  it('refuses token-id input', () => {
    expect(() => adapter.buildRequest({ model: 'm', input: [[1, 2]] }, target)).toThrow(
      EmbargoError,
    );
  });

  it('translates number[][] and takes tokens from x-compute-tokens', () => {
    const body = [
      [0.018113142, 0.00302585, -0.049911194],
      [0.1, 0.2, 0.3],
    ];
    const parsed = adapter.parseResponse(body, { 'x-compute-tokens': '7' });
    const { response } = toOpenAiResponse(parsed, { count: 2, encoding: 'float', model: 'bge' });
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(response.data[1]).toEqual({ object: 'embedding', index: 1, embedding: [0.1, 0.2, 0.3] });
  });

  it('leaves usage unset without x-compute-tokens, so the gateway counts instead of 0', () => {
    const parsed = adapter.parseResponse([[0.1, 0.2]], {});
    const { response } = toOpenAiResponse(parsed, { count: 1, encoding: 'float', model: 'bge' });
    expect(response.usage).toBeUndefined();
  });

  it('treats an error object as malformed', () => {
    expect(() => adapter.parseResponse({ error: 'x', error_type: 'Overloaded' }, {})).toThrow(
      MalformedUpstreamResponse,
    );
  });
});
