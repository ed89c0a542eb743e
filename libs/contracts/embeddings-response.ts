import { endianness } from 'node:os';
import { float32ArrayJsonBytes, writeFloat32Array } from './float32-json';

export interface EmbeddingsUsage {
  prompt_tokens: number;
  total_tokens: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** OpenAI's base64 encoding of a vector: its float32 values, little-endian, in base64. */
export function encodeBase64(vector: Float32Array): string {
  if (LITTLE_ENDIAN)
    return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

const HEAD = '{"object":"list","data":[';
const QUOTE = 34;
const COMMA = 44;
const CLOSE = 125;

/**
 * An OpenAI embeddings response, as the bytes to send: written around the vectors so nothing
 * walks an object of them again, with float values in their shortest float32 form (see
 * float32-json) or base64.
 */
export function embeddingsResponseBody(
  vectors: readonly Float32Array[],
  encoding: 'float' | 'base64',
  model: string,
  usage: EmbeddingsUsage,
): Buffer {
  const tail = `],"model":${JSON.stringify(model)},"usage":${JSON.stringify({
    prompt_tokens: usage.prompt_tokens,
    total_tokens: usage.total_tokens,
  })}}`;
  const encoded = encoding === 'base64' ? vectors.map(encodeBase64) : undefined;
  let size = HEAD.length + Buffer.byteLength(tail);
  for (let i = 0; i < vectors.length; i++)
    size += 64 + (encoded ? encoded[i].length + 2 : float32ArrayJsonBytes(vectors[i].length));
  const out = Buffer.allocUnsafe(size);
  let pos = out.write(HEAD, 0, 'latin1');
  for (let i = 0; i < vectors.length; i++) {
    if (i > 0) out[pos++] = COMMA;
    pos += out.write(`{"object":"embedding","index":${i},"embedding":`, pos, 'latin1');
    if (encoded) {
      out[pos++] = QUOTE;
      pos += out.write(encoded[i], pos, 'latin1');
      out[pos++] = QUOTE;
    } else pos = writeFloat32Array(vectors[i], out, pos);
    out[pos++] = CLOSE;
  }
  pos += out.write(tail, pos, 'utf8');
  return out.subarray(0, pos);
}
