import { EmbargoError } from '@embargo/contracts';
import { MalformedUpstreamResponse, prepareTarget, toOpenAiResponse } from './adapter';
import { adapterFor } from './index';
import { testConnection } from './testing';

describe('ollama adapter (/api/embed)', () => {
  const adapter = adapterFor('ollama');
  const target = prepareTarget(adapter, testConnection('ollama', 'http://localhost:11434'));

  it('posts {model, input} to /api/embed, refusing over-long input rather than cutting it', () => {
    const req = adapter.buildRequest(
      { model: 'all-minilm', input: ['Why is the sky blue?', 'Why is the grass green?'] },
      target,
    );
    expect(req.path).toBe('/api/embed');
    expect(JSON.parse(req.body)).toEqual({
      model: 'all-minilm',
      input: ['Why is the sky blue?', 'Why is the grass green?'],
      truncate: false,
    });
    expect(
      JSON.parse(adapter.buildRequest({ model: 'm', input: 'x', dimensions: 256 }, target).body),
    ).toEqual({
      model: 'm',
      input: ['x'],
      truncate: false,
      dimensions: 256,
    });
  });

  it('refuses token-id input', () => {
    expect(() => adapter.buildRequest({ model: 'm', input: [1, 2, 3] }, target)).toThrow(
      EmbargoError,
    );
  });

  it('translates embeddings and prompt_eval_count', () => {
    // The documented /api/embed response.
    const body = {
      model: 'all-minilm',
      embeddings: [
        [0.010071029, -0.0017594862, 0.05007221],
        [-0.0098027075, 0.06042469, 0.025257962],
      ],
      total_duration: 14143917,
      load_duration: 1019500,
      prompt_eval_count: 8,
    };
    const { response, vectors } = toOpenAiResponse(adapter.parseResponse(body, {}), {
      count: 2,
      encoding: 'float',
      model: 'pub',
    });
    expect(response.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(response.model).toBe('pub');
    expect(vectors).toHaveLength(2);
  });

  it('leaves usage unset without prompt_eval_count, so the gateway counts instead of 0', () => {
    const parsed = adapter.parseResponse({ model: 'all-minilm', embeddings: [[0.1, 0.2]] }, {});
    const { response } = toOpenAiResponse(parsed, { count: 1, encoding: 'float', model: 'pub' });
    expect(response.usage).toBeUndefined();
  });

  it('treats the legacy /api/embeddings shape as malformed', () => {
    expect(() => adapter.parseResponse({ embedding: [0.1, 0.2] }, {})).toThrow(
      MalformedUpstreamResponse,
    );
  });
});
