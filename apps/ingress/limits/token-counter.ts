import { EmbargoError } from '@embargo/contracts';
import { getEncoding, type Tiktoken } from 'js-tiktoken';

let cl100k: Tiktoken | undefined;
const encoder = (): Tiktoken => (cl100k ??= getEncoding('cl100k_base'));
/** cl100k_base's ids run from 0 to 100276 (its special tokens included). */
const CL100K_SIZE = 100_277;

/**
 * js-tiktoken's merge is quadratic in the length of a pre-tokenizer piece (10,000 letters
 * in a row take about 19 s here), so a piece holding a run of 32 or more letters, symbols or
 * spaces is never merged: it is counted at a bound instead (see countAroundLongPieces).
 */
const LONG_PIECE = /\p{L}{32,}|[^\s\p{L}\p{N}]{32,}|\s{32,}/u;

/**
 * cl100k_base's pre-tokenizer (its `pat_str`, as js-tiktoken applies it): the merge works on
 * one of these pieces at a time, so a text's count is the sum of its pieces' counts.
 */
const CL100K_PIECES = new RegExp(
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'gu',
);

/**
 * UTF-8 bytes per request counted exactly; later texts are estimated. Bounds what one
 * request can cost the event loop before any policy has looked at it: about 30 ms of prose,
 * under half a second for the worst short-piece input (random 8-letter words). Counted in
 * bytes, not characters, because the merge works on bytes: 64 Ki characters of a rare
 * three-byte letter in 15-letter words took 314 ms counted by characters.
 */
export const EXACT_BYTES = 64 * 1024;

/**
 * Tokens in the input, as the model will count them: cl100k_base for OpenAI embedding
 * models (exact within the budget above, long pieces aside, which are counted at a bound
 * that is never below their count), and a bytes-based estimate for others, whose tokenizers
 * differ, at 4 bytes per token.
 */
export function countTokens(
  model: string,
  texts: string[] | undefined,
  tokens: number[][] | undefined,
): number {
  if (tokens) return tokens.reduce((n, t) => n + t.length, 0);
  if (!texts) return 0;
  if (!/^(text-embedding-|gpt-)/.test(model))
    return texts.reduce((n, t) => n + Math.ceil(Buffer.byteLength(t) / 4), 0);
  const cl100k = encoder();
  let budget = EXACT_BYTES;
  let n = 0;
  for (const t of texts) {
    // Characters first: a text longer than the budget in characters is longer in bytes.
    const bytes = t.length <= budget ? Buffer.byteLength(t) : Infinity;
    if (bytes <= budget) {
      budget -= bytes;
      n += LONG_PIECE.test(t) ? countAroundLongPieces(cl100k, t) : exactCount(cl100k, t);
    } else {
      n += estimateOpenAiTokens(t);
    }
  }
  return n;
}

// Special-token text (`<|endoftext|>`) is ordinary text to the API, not an error.
const exactCount = (cl100k: Tiktoken, text: string): number => cl100k.encode(text, [], []).length;

/**
 * cl100k's count of a text with long pieces, each of those counted at its UTF-8 bytes: every
 * cl100k token is at least one byte (its 256 single bytes are tokens), so no merge can spend
 * more. Measured (hill-climbing js-tiktoken over runs of 32 to 64), the worst runs come close:
 * 0.98 tokens a character for mixed-case ASCII letters and for ASCII symbols, 1 for mixed
 * ASCII whitespace (tabs, form feeds), and about 1 a byte for rare three- and four-byte
 * letters.
 * Common CJK letters cost 1 or 2 tokens but are bounded at 3: runs of them are overcounted,
 * never undercounted.
 *
 * The text between long pieces is encoded in stretches, each as it would be within the
 * whole: the pre-tokenizer looks past a piece only in `\s+(?!\S)`, so a stretch is cut
 * before a trailing whitespace piece, which is encoded alone (at the end of its stretch it
 * could otherwise join the whitespace before it).
 */
function countAroundLongPieces(cl100k: Tiktoken, text: string): number {
  let n = 0;
  let from = 0;
  let lastStart = 0;
  const stretch = (to: number) => {
    if (lastStart > from && /^\s+$/u.test(text.slice(lastStart, to))) {
      n += exactCount(cl100k, text.slice(from, lastStart));
      from = lastStart;
    }
    if (to > from) n += exactCount(cl100k, text.slice(from, to));
  };
  for (const piece of text.matchAll(CL100K_PIECES)) {
    if (LONG_PIECE.test(piece[0])) {
      stretch(piece.index);
      n += Buffer.byteLength(piece[0]);
      from = piece.index + piece[0].length;
    }
    lastStart = piece.index;
  }
  if (from < text.length) n += exactCount(cl100k, text.slice(from));
  return n;
}

/**
 * Texts past the exact-count budget are estimated from their characters: 3 ASCII characters
 * a token (above cl100k's count for prose, about 4 a token, and within a few percent of it
 * for code) and 2 tokens for every other UTF-16 unit (cl100k spends up to 2 tokens on a
 * common CJK character). Not a bound: cl100k spends up to a token per character on
 * contrived ASCII (" 7" repeated, random mixed-case letters), three times this estimate, and
 * 3 tokens on a rare three-byte letter.
 */
export function estimateOpenAiTokens(text: string): number {
  let ascii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x80) ascii++;
  return Math.ceil(ascii / 3) + 2 * (text.length - ascii);
}

/**
 * Token-id input as the text the model will read, so the policy's findings and masking see
 * it: cl100k_base for OpenAI's embedding models (ada-002 and text-embedding-3 read ids with
 * it). Undefined for other models, whose tokenizer the gateway does not know.
 */
export function decodeTokenIds(model: string, tokens: number[][]): string[] | undefined {
  if (!model.startsWith('text-embedding-')) return undefined;
  const cl100k = encoder();
  return tokens.map((ids) => {
    const bad = ids.find((id) => id >= CL100K_SIZE);
    if (bad !== undefined)
      throw new EmbargoError('invalid_request', `Token id ${bad} is not a ${model} token id`, {
        param: 'input',
      });
    return cl100k.decode(ids);
  });
}

/** cl100k_base's special tokens: decoding token ids may produce them. */
const SPECIAL_TOKENS = /<\|(?:endoftext|fim_prefix|fim_middle|fim_suffix|endofprompt)\|>/g;
const LONG_RUNS = new RegExp(LONG_PIECE.source, 'gu');
/**
 * UTF-8 bytes a long run is encoded in at a time. The merge is quadratic in a piece's bytes
 * and each encode call costs about 10 µs, so 16 bytes keeps the worst run (CJK, emoji) near
 * 10 µs a character.
 */
const RUN_CHUNK_BYTES = 16;

/**
 * Text back to cl100k_base ids, special tokens included (they may come from decoding).
 * A run LONG_PIECE matches is encoded 16 bytes at a time rather than as one piece
 * (whose merge is quadratic): the ids then differ from cl100k's own for that run, but
 * decode to the same text, so the model reads what the masking produced.
 */
export function encodeText(text: string): number[] {
  const cl100k = encoder();
  if (!LONG_PIECE.test(text)) return cl100k.encode(text, 'all');
  const out: number[] = [];
  const add = (part: string) => {
    for (const id of cl100k.encode(part, 'all')) out.push(id);
  };
  let at = 0;
  // Specials first, so a run of symbols beside one cannot split it.
  for (const special of text.matchAll(SPECIAL_TOKENS)) {
    encodeRuns(text.slice(at, special.index), add);
    add(special[0]);
    at = special.index + special[0].length;
  }
  encodeRuns(text.slice(at), add);
  return out;
}

function encodeRuns(text: string, add: (part: string) => void): void {
  let at = 0;
  for (const run of text.matchAll(LONG_RUNS)) {
    if (run.index > at) add(text.slice(at, run.index));
    // Whole code points only: half a surrogate pair would not decode to the same text.
    let chunk = '';
    let bytes = 0;
    for (const point of run[0]) {
      const size = Buffer.byteLength(point);
      if (bytes + size > RUN_CHUNK_BYTES) {
        add(chunk);
        chunk = '';
        bytes = 0;
      }
      chunk += point;
      bytes += size;
    }
    add(chunk);
    at = run.index + run[0].length;
  }
  if (at < text.length) add(text.slice(at));
}
