import { embeddingsResponseBody, encodeBase64 } from './embeddings-response';

describe('embeddingsResponseBody', () => {
  const usage = { prompt_tokens: 7, total_tokens: 7 };
  // Values across the ranges where number notation changes (exponents, negative zero).
  const vectors = [
    Float32Array.from([0.0123456789, -0.5, 1e-7, -3.4e38, 0, -0, 1, 123456.789]),
    Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i * 7.3) / (1 + (i % 13))),
  ];

  it('is the OpenAI shape, and every float reads back as the same float32', () => {
    const body = embeddingsResponseBody(vectors, 'float', 'text-embedding-3-small', usage);
    const parsed = JSON.parse(body.toString('utf8')) as {
      object: string;
      data: { object: string; index: number; embedding: number[] }[];
      model: string;
      usage: unknown;
    };
    expect(parsed).toEqual({
      object: 'list',
      data: vectors.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: expect.any(Array) as unknown,
      })),
      model: 'text-embedding-3-small',
      usage,
    });
    // -0 is written 0, as JSON.stringify writes it.
    parsed.data.forEach((d, i) =>
      expect(Float32Array.from(d.embedding)).toEqual(vectors[i].map((x) => x + 0)),
    );
  });

  it('writes floats as OpenAI does, not as the doubles they widen to', () => {
    const body = embeddingsResponseBody([vectors[0]], 'float', 'm', usage).toString();
    expect(body).toContain('"embedding":[0.012345679,-0.5,1e-7,-3.4e+38,0,0,1,123456.79]');
    expect(JSON.stringify(Array.from(vectors[0]))).toContain('0.012345679104328156');
  });

  it('writes base64 as little-endian float32 and escapes the model name', () => {
    const body = embeddingsResponseBody(vectors, 'base64', 'a "quoted" modèle', usage);
    const parsed = JSON.parse(body.toString('utf8')) as {
      model: string;
      data: { embedding: string }[];
    };
    expect(parsed.model).toBe('a "quoted" modèle');
    expect(parsed.data.map((d) => d.embedding)).toEqual(vectors.map(encodeBase64));
    const bytes = Buffer.from(parsed.data[1].embedding, 'base64');
    expect(bytes.readFloatLE(4)).toBe(vectors[1][1]);
  });

  it('answers an empty list', () => {
    const body = embeddingsResponseBody([], 'float', 'm', usage).toString();
    expect(JSON.parse(body)).toEqual({ object: 'list', data: [], model: 'm', usage });
  });
});
