import {
  AUDIT_ACTIONS,
  EVENT_ID_PATTERN,
  IDENTITY_LIMITS,
  LIFECYCLE_STAGES,
} from '@embargo/contracts';
import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Where a page of search results ends: the sort values of its last event (its time in
 * epoch milliseconds, then its event id), as OpenSearch's `search_after` takes them, and
 * the key of the search that returned it. The caller gets it as an opaque base64url string
 * and hands it back unchanged; the key lets a cursor continue only the search it came from.
 */
const cursorSchema = z.tuple([
  z.number().int().safe(),
  // Any id an indexed event may have: a page can end on any of them.
  z.string().regex(EVENT_ID_PATTERN),
  z.string().regex(/^[A-Za-z0-9_-]{16}$/),
]);
export type CursorValues = [time: number, eventId: string];

/**
 * Longer than any cursor this service issues (a time, a 256-character event id and a
 * 16-character key: at most about 400 characters).
 */
const MAX_CURSOR_CHARS = 512;

/** What a search's pages depend on: every filter and `q`, not the page size. */
export type SearchFilters = Pick<
  SearchQuery,
  'requestId' | 'principal' | 'stage' | 'tokenId' | 'model' | 'clientIp' | 'q' | 'from' | 'to'
>;

/**
 * A short digest of the filters. Empty filters count as absent (they filter nothing) and
 * times count by the instant they name, so the same search always gets the same key.
 */
export function searchKey(f: SearchFilters): string {
  const instant = (t: string | undefined) => (t ? new Date(t).toISOString() : undefined);
  const canonical = [
    f.requestId,
    f.principal,
    f.stage,
    f.tokenId,
    f.model,
    f.q,
    instant(f.from),
    instant(f.to),
    // Added later: only a search that names it has it, so the searches before keep their keys.
    ...(f.clientIp ? [f.clientIp] : []),
  ].map((v) => (v === '' ? undefined : v) ?? null);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 16);
}

/** An ISO 8601 time in UTC as `toISOString` writes it (milliseconds, four-digit year). */
function toInstant(time: string): string {
  return new Date(time).toISOString();
}

export function encodeCursor(values: CursorValues, key: string): string {
  return Buffer.from(JSON.stringify([...values, key])).toString('base64url');
}

/** The cursor's sort values and search key, or undefined when it is not one this service issued. */
export function decodeCursor(cursor: string): { values: CursorValues; key: string } | undefined {
  // Strict base64url: Node's decoder skips characters outside the alphabet instead of failing.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > MAX_CURSOR_CHARS) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const [time, eventId, key] = parsed.data;
  return { values: [time, eventId], key };
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
    /** The address of callers refused without a verified identity. */
    clientIp: z.string().max(100).optional(),
    /** Free text over the masked input, messages and auditors' reasons (simple query string). */
    q: z.string().max(1000).optional(),
    /**
     * Taken as the millisecond they fall in, as OpenSearch stores and compares times: it
     * refuses more than nine fractional digits, which would answer a valid time with a 500.
     */
    from: z.iso.datetime().transform(toInstant).optional(),
    to: z.iso.datetime().transform(toInstant).optional(),
    size: z.coerce.number().int().min(1).max(1000).default(100),
    /**
     * The previous page's `next_cursor`: this page starts after its last event. It continues
     * only the search that returned it (the same filters and `q`; the size may change).
     */
    cursor: z
      .string()
      .transform((s, ctx) => {
        const cursor = decodeCursor(s);
        if (cursor) return cursor;
        ctx.issues.push({
          code: 'custom',
          input: s,
          message: 'not a cursor this service issued (pass next_cursor unchanged)',
        });
        return z.NEVER;
      })
      .optional(),
  })
  .strict()
  .transform(({ cursor, ...query }, ctx) => {
    if (!cursor) return { ...query, cursor: undefined };
    // search_after on other filters would start at an unrelated place and look like a page.
    if (cursor.key !== searchKey(query)) {
      ctx.issues.push({
        code: 'custom',
        path: ['cursor'],
        input: cursor,
        message:
          'this cursor belongs to another query (pass it with the filters and q of the search that returned it)',
      });
      return z.NEVER;
    }
    return { ...query, cursor: cursor.values };
  });
export type SearchQuery = z.infer<typeof searchQuerySchema>;
