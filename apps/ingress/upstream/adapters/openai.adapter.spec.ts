import { EmbargoError } from '@embargo/contracts';
import {
  decodeBase64,
  MalformedUpstreamResponse,
  prepareTarget,
  toOpenAiResponse,
} from './adapter';
import { adapterFor } from './index';
import { testConnection } from './testing';

describe('openai adapter', () => {
  const adapter = adapterFor('openai');
  const target = prepareTarget(
    adapter,
    testConnection('openai', 'https://api.openai.com/v1', 'sk-abc'),
  );

  it('posts to {baseUrl}/embeddings with a bearer token, always asking for base64', () => {
    const req = adapter.buildRequest(
      {
        model: 'text-embedding-3-small',
        input: ['a', 'b'],
        encoding_format: 'float',
        dimensions: 256,
        user: 'u1',
      },
      target,
    );
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/embeddings');
    expect(req.headers).toMatchObject({
      authorization: 'Bearer sk-abc',
      'content-type': 'application/json',
    });
    expect(JSON.parse(req.body)).toEqual({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'base64',
      dimensions: 256,
      user: 'u1',
    });
  });

  it('passes token-id input through', () => {
    const req = adapter.buildRequest({ model: 'm', input: [[1, 2, 3], [4]] }, target);
    expect(JSON.parse(req.body).input).toEqual([[1, 2, 3], [4]]);
  });

  // The documented response of POST /v1/embeddings.
  const documented = {
    object: 'list',
    data: [
      { object: 'embedding', index: 1, embedding: [0.5, -0.25, 0.125] },
      {
        object: 'embedding',
        index: 0,
        embedding: [-0.006929283495992422, -0.005336422007530928, 0.0002],
      },
    ],
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 5, total_tokens: 5 },
  };

  it('translates the documented response, ordering by index', () => {
    const parsed = adapter.parseResponse(documented, {});
    const { response, vectors } = toOpenAiResponse(parsed, {
      count: 2,
      dimensions: 3,
      encoding: 'float',
      model: 'public-small',
    });
    expect(response).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: documented.data[1].embedding },
        { object: 'embedding', index: 1, embedding: documented.data[0].embedding },
      ],
      model: 'public-small',
      usage: { prompt_tokens: 5, total_tokens: 5 },
    });
    expect(vectors[1]).toEqual(Float32Array.from([0.5, -0.25, 0.125]));
  });

  it('reads a base64 answer as the float32 vectors, and answers a float caller with floats', () => {
    const floats = [Float32Array.from([0.5, -0.25, 0.125]), Float32Array.from([1e-7, -3.5, 2])];
    const asBase64 = {
      ...documented,
      data: floats.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: Buffer.from(v.buffer).toString('base64'),
      })),
    };
    const { response, vectors } = toOpenAiResponse(adapter.parseResponse(asBase64, {}), {
      count: 2,
      encoding: 'float',
      model: 'm',
    });
    expect(vectors).toEqual(floats);
    expect(response.data[1].embedding).toEqual(Array.from(floats[1]));
    const ragged = {
      ...asBase64,
      data: [{ index: 0, embedding: Buffer.alloc(6).toString('base64') }],
    };
    expect(() =>
      toOpenAiResponse(adapter.parseResponse(ragged, {}), {
        count: 1,
        encoding: 'float',
        model: 'm',
      }),
    ).toThrow('not a whole number of float32 values');
  });

  it('encodes base64 itself: little-endian float32 that decodes to the same floats', () => {
    const parsed = adapter.parseResponse(documented, {});
    const { response, vectors } = toOpenAiResponse(parsed, {
      count: 2,
      encoding: 'base64',
      model: 'm',
    });
    const b64 = response.data[0].embedding as string;
    expect(typeof b64).toBe('string');
    expect(decodeBase64(b64)).toEqual(vectors[0]);
    expect(Buffer.from(b64, 'base64').readFloatLE(4)).toBeCloseTo(-0.005336422007530928, 7);
  });

  it('leaves usage unset when the upstream sends none, so the gateway counts instead of 0', () => {
    const data = [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }];
    const expected = { count: 1, encoding: 'float' as const, model: 'pub' };
    const none = adapter.parseResponse({ object: 'list', data }, {});
    expect(toOpenAiResponse(none, expected).response.usage).toBeUndefined();
    const totalOnly = adapter.parseResponse(
      { object: 'list', data, usage: { total_tokens: 4 } },
      {},
    );
    expect(toOpenAiResponse(totalOnly, expected).response.usage).toEqual({
      prompt_tokens: 4,
      total_tokens: 4,
    });
  });

  it('rejects bodies that do not match the documented shape', () => {
    expect(() => adapter.parseResponse({ data: 'nope' }, {})).toThrow(MalformedUpstreamResponse);
    expect(() => adapter.parseResponse({ data: [{ index: 0, embedding: 3 }] }, {})).toThrow(
      MalformedUpstreamResponse,
    );
    expect(() =>
      adapter.parseResponse(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [2] },
          ],
        },
        {},
      ),
    ).toThrow(/indexes/);
    const wrongCount = adapter.parseResponse({ data: [{ index: 0, embedding: [1] }] }, {});
    expect(() => toOpenAiResponse(wrongCount, { count: 2, encoding: 'float', model: 'm' })).toThrow(
      /expected 2 embeddings/,
    );
    const notNumbers = adapter.parseResponse({ data: [{ index: 0, embedding: [1, 'x'] }] }, {});
    expect(() => toOpenAiResponse(notNumbers, { count: 1, encoding: 'float', model: 'm' })).toThrow(
      /non-numeric/,
    );
    // Finite as a double, infinite as float32: it would have gone out as null.
    const tooBig = adapter.parseResponse({ data: [{ index: 0, embedding: [1e300, 0.5] }] }, {});
    expect(() => toOpenAiResponse(tooBig, { count: 1, encoding: 'float', model: 'm' })).toThrow(
      /beyond float32/,
    );
    const wrongDims = adapter.parseResponse({ data: [{ index: 0, embedding: [1, 2] }] }, {});
    expect(() =>
      toOpenAiResponse(wrongDims, { count: 1, dimensions: 3, encoding: 'float', model: 'm' }),
    ).toThrow(/2 dimensions/);
  });

  it('serves the stand-in with the same translation', () => {
    const standIn = adapterFor('stand_in');
    expect(standIn.provider).toBe('stand_in');
    const t = prepareTarget(standIn, testConnection('stand_in', 'http://127.0.0.1:8090/v1'));
    expect(standIn.buildRequest({ model: 'm', input: 'x' }, t).path).toBe('/v1/embeddings');
    expect(t.headers.authorization).toBeUndefined();
    expect(EmbargoError).toBeDefined();
  });
});
