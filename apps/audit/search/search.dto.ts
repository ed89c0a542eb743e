import { AUDIT_ACTIONS, IDENTITY_LIMITS, LIFECYCLE_STAGES } from '@embargo/contracts';
import { z } from 'zod';

/**
 * Where a page of search results ends: the sort values of its last event (its time in
 * epoch milliseconds, then its event id), as OpenSearch's `search_after` takes them. The
 * caller gets it as an opaque base64url string and hands it back unchanged.
 */
const cursorValuesSchema = z.tuple([z.number().int().safe(), z.string().min(1).max(200)]);
export type CursorValues = z.infer<typeof cursorValuesSchema>;

/** Longer than any cursor this service issues (a 200-character event id and a time). */
const MAX_CURSOR_CHARS = 400;

export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The cursor's sort values, or undefined when it is not one this service issued. */
export function decodeCursor(cursor: string): CursorValues | undefined {
  // Strict base64url: Node's decoder skips characters outside the alphabet instead of failing.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > MAX_CURSOR_CHARS) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = cursorValuesSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export const searchQuerySchema = z
  .object({
    requestId: z.string().max(200).optional(),
    principal: z.string().max(500).optional(),
    /** A lifecycle stage, or an auditor's action on the request (`revealed`). */
    stage: z.enum([...LIFECYCLE_STAGES, ...AUDIT_ACTIONS]).optional(),
    /** A token id: the exchange that issued the token and every request made with it. */
    tokenId: z.string().max(IDENTITY_LIMITS.tokenId).optional(),
    model: z.string().max(200).optional(),
    /** Free text over the masked input, messages and auditors' reasons (simple query string). */
    q: z.string().max(1000).optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    size: z.coerce.number().int().min(1).max(1000).default(100),
    /** The previous page's `next_cursor`: this page starts after its last event. */
    cursor: z
      .string()
      .transform((s, ctx) => {
        const values = decodeCursor(s);
        if (values) return values;
        ctx.issues.push({
          code: 'custom',
          input: s,
          message: 'not a cursor this service issued (pass next_cursor unchanged)',
        });
        return z.NEVER;
      })
      .optional(),
  })
  .strict();
export type SearchQuery = z.infer<typeof searchQuerySchema>;
