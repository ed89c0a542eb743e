import { getEncoding, type Tiktoken } from 'js-tiktoken';

let cl100k: Tiktoken | undefined;

/**
 * Tokens in the input, as the model will count them: cl100k_base for OpenAI embedding
 * models (exact), and a 4-bytes-per-token estimate for others, whose tokenizers differ.
 */
export function countTokens(
  model: string,
  texts: string[] | undefined,
  tokens: number[][] | undefined,
): number {
  if (tokens) return tokens.reduce((n, t) => n + t.length, 0);
  if (!texts) return 0;
  if (/^(text-embedding-|gpt-)/.test(model)) {
    cl100k ??= getEncoding('cl100k_base');
    let n = 0;
    for (const t of texts) n += cl100k.encode(t).length;
    return n;
  }
  return texts.reduce((n, t) => n + Math.ceil(Buffer.byteLength(t) / 4), 0);
}
