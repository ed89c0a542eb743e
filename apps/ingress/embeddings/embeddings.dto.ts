import { EmbargoError } from '@embargo/contracts';
import { z } from 'zod';

const tokenId = z.number().int().min(0).max(10_000_000);

/** The OpenAI embeddings request, exactly as the API documents it. */
export const embeddingsRequestSchema = z.object({
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(tokenId).min(1),
    z.array(z.array(tokenId).min(1)).min(1),
  ]),
  model: z.string().min(1).max(200),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(65536).optional(),
  user: z.string().max(500).optional(),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

export interface NormalizedInput {
  /** Text inputs, or undefined when the caller sent token ids. */
  texts?: string[];
  tokens?: number[][];
  count: number;
  byteSize: number;
}

export function parseEmbeddingsRequest(
  body: unknown,
  maxInputs: number,
): EmbeddingsRequest & { normalized: NormalizedInput } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new EmbargoError('invalid_request', 'The request body must be a JSON object');
  }
  const parsed = embeddingsRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || undefined;
    const what =
      param === 'input' || param?.startsWith('input.')
        ? "'input' must be a string, an array of strings, an array of token ids or an array of token arrays"
        : `Invalid value for '${param}': ${issue?.message}`;
    throw new EmbargoError('invalid_request', what, { param });
  }
  const req = parsed.data;
  const input = req.input;
  let normalized: NormalizedInput;
  if (typeof input === 'string') {
    normalized = { texts: [input], count: 1, byteSize: Buffer.byteLength(input) };
  } else if (typeof input[0] === 'string') {
    const texts = input as string[];
    normalized = {
      texts,
      count: texts.length,
      byteSize: texts.reduce((n, t) => n + Buffer.byteLength(t), 0),
    };
  } else if (typeof input[0] === 'number') {
    const tokens = [input as number[]];
    normalized = { tokens, count: 1, byteSize: tokens[0].length * 4 };
  } else {
    const tokens = input as number[][];
    normalized = {
      tokens,
      count: tokens.length,
      byteSize: tokens.reduce((n, t) => n + t.length * 4, 0),
    };
  }
  if (normalized.texts?.some((t) => t.length === 0)) {
    throw new EmbargoError('invalid_request', "'input' cannot contain an empty string", {
      param: 'input',
    });
  }
  if (normalized.count > maxInputs) {
    throw new EmbargoError(
      'batch_too_large',
      `'input' has ${normalized.count} items; at most ${maxInputs} are accepted per request`,
      { param: 'input' },
    );
  }
  return { ...req, normalized };
}
