import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError } from '@embargo/contracts';
import type { AuditConfig } from '../config';
import { OpenSearchService, searchTimeout } from '../indexing/opensearch.service';
import { StaticTokenGuard } from '@embargo/auth';
import { type CursorValues, encodeCursor, searchKey, searchQuerySchema } from './search.dto';

/**
 * The `q` operators an auditor may use: and/or/not, phrases, grouping and escapes. Fuzzy
 * terms (`~2`), phrase slop (`"a b"~9`) and prefixes (`a*`) are off: over the masked input
 * they expand to every term within reach and can hold OpenSearch for minutes. Their
 * symbols are then taken as text, and the analyzer drops them.
 */
const QUERY_FLAGS = 'AND|OR|NOT|PHRASE|PRECEDENCE|ESCAPE|WHITESPACE';

@Controller('v1/audit')
@UseGuards(StaticTokenGuard('AUDIT_API_TOKEN', 'auditor'))
export class EventsController {
  constructor(
    @Inject(OpenSearchService) private readonly os: Pick<OpenSearchService, 'searchEvents'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AuditConfig, 'AUDIT_SEARCH_TIMEOUT_MS'>,
  ) {}

  /**
   * Searches the audit trail; results are the indexed events, newest first, a page at a
   * time. The sort ends with the event id, which is unique, so `search_after` on the last
   * event's sort values continues exactly where a page ended, however many events match.
   */
  @Get('events')
  async search(@Query() raw: Record<string, unknown>) {
    const parsed = searchQuerySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EmbargoError(
        'invalid_request',
        `Invalid query parameter ${issue?.path.join('.') || ''}: ${issue?.message}`,
        {
          param: issue?.path.join('.'),
        },
      );
    }
    const q = parsed.data;
    const filter: Record<string, unknown>[] = [];
    if (q.requestId) filter.push({ term: { requestId: q.requestId } });
    if (q.principal) filter.push({ term: { 'principal.id': q.principal } });
    if (q.stage) filter.push({ term: { stage: q.stage } });
    if (q.model) filter.push({ term: { model: q.model } });
    if (q.tokenId) filter.push({ term: { tokenId: q.tokenId } });
    if (q.clientIp) filter.push({ term: { clientIp: q.clientIp } });
    if (q.from || q.to) filter.push({ range: { time: { gte: q.from, lte: q.to } } });
    const must = q.q
      ? [
          {
            simple_query_string: {
              query: q.q,
              fields: ['maskedInput', 'message', 'reason'],
              flags: QUERY_FLAGS,
            },
          },
        ]
      : [];
    const timeoutMs = this.config.AUDIT_SEARCH_TIMEOUT_MS;
    // One more than asked for, to tell whether another page follows.
    const res = await this.os.searchEvents({
      size: q.size + 1,
      sort: [{ time: 'desc' }, { eventId: 'asc' }],
      query: { bool: { filter, must } },
      // Not terminate_after: it cuts the matches short, so paging would skip events.
      timeout: `${timeoutMs}ms`,
      // The sealed original is for reveals only. In documents indexed by earlier versions,
      // `data` (the stored event, kept for the digest) repeats a masked event's input, which
      // can be megabytes: it is sent once, as the top-level `maskedInput`.
      _source: { excludes: ['original', 'data.maskedInput'] },
      ...(q.cursor ? { search_after: q.cursor } : {}),
    });
    // A timed-out search answers with what it collected so far: sent on, its cursor would
    // page past events it never looked at.
    if (res.body.timed_out) throw searchTimeout(timeoutMs);
    const hits = res.body.hits.hits as { _source: Record<string, unknown>; sort: CursorValues }[];
    const page = hits.slice(0, q.size);
    const hasMore = hits.length > q.size;
    return {
      object: 'list',
      data: page.map((h) => h._source),
      has_more: hasMore,
      next_cursor: hasMore ? encodeCursor(page[page.length - 1].sort, searchKey(q)) : null,
    };
  }
}
