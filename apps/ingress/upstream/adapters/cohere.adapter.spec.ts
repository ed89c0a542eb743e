import { EmbargoError } from '@embargo/contracts';
import { MalformedUpstreamResponse, prepareTarget, toOpenAiResponse } from './adapter';
import { COHERE_MAX_TEXTS } from './cohere.adapter';
import { adapterFor } from './index';
import { testConnection } from './testing';

describe('cohere adapter (Embed v2)', () => {
  const adapter = adapterFor('cohere');
  const target = prepareTarget(
    adapter,
    testConnection('cohere', 'https://api.cohere.com', 'co-key'),
  );

  it('posts /v2/embed with texts, search_document, float embeddings and no truncation', () => {
    const req = adapter.buildRequest(
      {
        model: 'embed-v4.0',
        input: ['hello', 'goodbye'],
        dimensions: 512,
        encoding_format: 'base64',
      },
      target,
    );
    expect(req.path).toBe('/v2/embed');
    expect(req.headers.authorization).toBe('Bearer co-key');
    expect(JSON.parse(req.body)).toEqual({
      model: 'embed-v4.0',
      texts: ['hello', 'goodbye'],
      input_type: 'search_document',
      embedding_types: ['float'],
      truncate: 'NONE',
      output_dimension: 512,
    });
    expect(
      JSON.parse(adapter.buildRequest({ model: 'm', input: 'one' }, target).body).texts,
    ).toEqual(['one']);
  });

  it("sends the model's configured input type", () => {
    const req = adapter.buildRequest({ model: 'm', input: 'what is a vector?' }, target, {
      inputType: 'search_query',
    });
    expect(JSON.parse(req.body)).toMatchObject({ input_type: 'search_query' });
  });

  it('refuses token-id input with a clear 400', () => {
    const attempt = () => adapter.buildRequest({ model: 'm', input: [101, 2023, 102] }, target);
    expect(attempt).toThrow(EmbargoError);
    expect(attempt).toThrow(/does not accept token-id input/);
    try {
      attempt();
    } catch (err) {
      expect((err as EmbargoError).code).toBe('invalid_request');
      expect((err as EmbargoError).status).toBe(400);
    }
  });

  it(`refuses more than ${COHERE_MAX_TEXTS} texts`, () => {
    const input = Array.from({ length: COHERE_MAX_TEXTS + 1 }, (_, i) => `t${i}`);
    expect(() => adapter.buildRequest({ model: 'm', input }, target)).toThrow(/at most 96 inputs/);
  });

  it('translates embeddings.float and billed input tokens', () => {
    // The documented v2 response for embedding_types: ["float"].
    const body = {
      id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
      embeddings: {
        float: [
          [0.016296387, -0.008354187, -0.04699707],
          [-0.03125, 0.0234375, 0.011],
        ],
      },
      texts: ['hello', 'goodbye'],
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: 2 } },
      response_type: 'embeddings_by_type',
    };
    const { response, vectors } = toOpenAiResponse(adapter.parseResponse(body, {}), {
      count: 2,
      encoding: 'float',
      model: 'pub',
    });
    expect(response.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(response.data.map((d) => d.index)).toEqual([0, 1]);
    expect(vectors[0]).toEqual(Float32Array.from([0.016296387, -0.008354187, -0.04699707]));
  });

  it('leaves usage unset without billed units, so the gateway counts instead of 0', () => {
    for (const meta of [undefined, { api_version: { version: '2' } }, { billed_units: {} }]) {
      const parsed = adapter.parseResponse({ embeddings: { float: [[0.1, 0.2]] }, meta }, {});
      const { response } = toOpenAiResponse(parsed, { count: 1, encoding: 'float', model: 'pub' });
      expect(response.usage).toBeUndefined();
    }
  });

  it('treats a v1-style body (embeddings as a bare list) as malformed', () => {
    expect(() => adapter.parseResponse({ embeddings: [[1, 2]] }, {})).toThrow(
      MalformedUpstreamResponse,
    );
  });
});
