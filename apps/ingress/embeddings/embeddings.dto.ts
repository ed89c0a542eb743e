import { EmbargoError, MAX_TEXT_CHARS } from '@embargo/contracts';
import { z } from 'zod';

/** OpenAI's limits for token-id input: ids per input and per request. */
export const MAX_TOKENS_PER_INPUT = 8192;
export const MAX_TOKENS_PER_REQUEST = 300_000;
const MAX_TOKEN_ID = 10_000_000;

const INPUT_SHAPE =
  "'input' must be a string, an array of strings, an array of token ids or an array of token arrays";

export type EmbeddingsInput = string | string[] | number[] | number[][];

/**
 * The OpenAI embeddings request, exactly as the API documents it, except `input`: a zod
 * union tries every branch and builds an issue per failing element, which for a body of
 * millions of ids costs seconds and gigabytes. `readInput` checks it in one pass instead.
 */
const optionsSchema = z.object({
  model: z.string().min(1).max(200),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(65536).optional(),
  user: z.string().max(500).optional(),
});
export type EmbeddingsRequest = z.infer<typeof optionsSchema> & { input: EmbeddingsInput };

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
  const { input, normalized } = readInput((body as { input?: unknown }).input, maxInputs);
  const parsed = optionsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || undefined;
    throw new EmbargoError('invalid_request', `Invalid value for '${param}': ${issue?.message}`, {
      param,
    });
  }
  return { ...parsed.data, input, normalized };
}

/**
 * Picks the shape from `input` itself (or its first element) and checks every element
 * against that shape alone, stopping at the first that does not fit. Counts are checked
 * before any element is read, so an oversized body is refused in constant time.
 */
function readInput(
  input: unknown,
  maxInputs: number,
): { input: EmbeddingsInput; normalized: NormalizedInput } {
  if (typeof input === 'string') {
    if (input.length === 0) throw emptyString();
    if (input.length > MAX_TEXT_CHARS) throw textTooLong('input');
    return { input, normalized: { texts: [input], count: 1, byteSize: Buffer.byteLength(input) } };
  }
  if (!Array.isArray(input)) throw invalidInput(input === undefined ? 'it is missing' : undefined);
  if (input.length === 0) throw invalidInput('it is empty');
  const first: unknown = input[0];

  if (typeof first === 'number') {
    const ids = checkTokenIds(input, 'input');
    return { input: ids, normalized: { tokens: [ids], count: 1, byteSize: ids.length * 4 } };
  }

  if (input.length > maxInputs) throw tooManyInputs(input.length, maxInputs);

  if (typeof first === 'string') {
    let byteSize = 0;
    for (let i = 0; i < input.length; i++) {
      const t: unknown = input[i];
      if (typeof t !== 'string') throw invalidInput(`input[${i}] is not a string`);
      if (t.length === 0) throw emptyString();
      if (t.length > MAX_TEXT_CHARS) throw textTooLong(`input[${i}]`);
      byteSize += Buffer.byteLength(t);
    }
    const texts = input as string[];
    return { input: texts, normalized: { texts, count: texts.length, byteSize } };
  }

  if (Array.isArray(first)) {
    let total = 0;
    for (let i = 0; i < input.length; i++) {
      const item: unknown = input[i];
      if (!Array.isArray(item)) throw invalidInput(`input[${i}] is not an array of token ids`);
      total += item.length;
      if (total > MAX_TOKENS_PER_REQUEST)
        throw new EmbargoError(
          'batch_too_large',
          `'input' holds more than ${MAX_TOKENS_PER_REQUEST} tokens; at most ${MAX_TOKENS_PER_REQUEST} are accepted per request`,
          { param: 'input' },
        );
      checkTokenIds(item, `input[${i}]`);
    }
    const tokens = input as number[][];
    return { input: tokens, normalized: { tokens, count: tokens.length, byteSize: total * 4 } };
  }

  throw invalidInput('input[0] is not a string, a token id or an array of token ids');
}

/** Longer than any embedding model reads, and than the masking workers take. */
function textTooLong(where: string): EmbargoError {
  return new EmbargoError(
    'invalid_request',
    `${where} is longer than ${MAX_TEXT_CHARS} characters; send shorter texts`,
    { param: 'input' },
  );
}

function checkTokenIds(ids: unknown[], where: string): number[] {
  if (ids.length === 0) throw invalidInput(`${where} is empty`);
  if (ids.length > MAX_TOKENS_PER_INPUT)
    throw new EmbargoError(
      'invalid_request',
      `This model's maximum context length is ${MAX_TOKENS_PER_INPUT} tokens, however ${where} has ${ids.length} tokens. Please reduce the input`,
      { param: 'input' },
    );
  for (let j = 0; j < ids.length; j++) {
    const id: unknown = ids[j];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID)
      throw invalidInput(`${where}[${j}] is not a token id`);
  }
  return ids as number[];
}

function invalidInput(why: string | undefined): EmbargoError {
  return new EmbargoError('invalid_request', why ? `${INPUT_SHAPE}; ${why}` : INPUT_SHAPE, {
    param: 'input',
  });
}

function emptyString(): EmbargoError {
  return new EmbargoError('invalid_request', "'input' cannot contain an empty string", {
    param: 'input',
  });
}

function tooManyInputs(count: number, maxInputs: number): EmbargoError {
  return new EmbargoError(
    'batch_too_large',
    `'input' has ${count} items; at most ${maxInputs} are accepted per request`,
    { param: 'input' },
  );
}
