import { decodeBase64, encodeBase64 } from '../upstream';
import { embeddingsResponseJson } from './response-body';

describe('embeddingsResponseJson', () => {
  const usage = { prompt_tokens: 7, total_tokens: 7 };
  // Values across the ranges where number formatting changes (exponents, negative zero).
  const vectors = [
    Float32Array.from([0.0123456789, -0.5, 1e-7, -3.4e38, 0, -0, 1, 123456.789]),
    Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i * 7.3) / (1 + (i % 13))),
  ];

  it('writes floats exactly as JSON.stringify would, in the OpenAI shape', () => {
    const text = embeddingsResponseJson(vectors, 'float', 'text-embedding-3-small', usage);
    const expected = JSON.stringify({
      object: 'list',
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })),
      model: 'text-embedding-3-small',
      usage,
    });
    expect(text).toBe(expected);
    const parsed = JSON.parse(text) as { data: { embedding: number[] }[] };
    expect(Float32Array.from(parsed.data[1].embedding)).toEqual(vectors[1]);
  });

  it('writes base64 as little-endian float32 and escapes the model name', () => {
    const text = embeddingsResponseJson(vectors, 'base64', 'a "quoted" model', usage);
    const parsed = JSON.parse(text) as { model: string; data: { embedding: string }[] };
    expect(parsed.model).toBe('a "quoted" model');
    expect(parsed.data[0].embedding).toBe(encodeBase64(vectors[0]));
    expect(decodeBase64(parsed.data[1].embedding)).toEqual(vectors[1]);
  });

  it('refuses to decode a vector holding NaN or an infinity', () => {
    expect(() => decodeBase64(encodeBase64(Float32Array.from([0.5, NaN])))).toThrow(/non-finite/);
    expect(() => decodeBase64(encodeBase64(Float32Array.from([Infinity])))).toThrow(/non-finite/);
  });
});
