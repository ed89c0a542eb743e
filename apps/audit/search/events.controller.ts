import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import { OpenSearchService } from '../indexing/opensearch.service';
import { StaticTokenGuard } from '@embargo/auth';
import { searchQuerySchema } from './search.dto';

@Controller('v1/audit')
@UseGuards(StaticTokenGuard('AUDIT_API_TOKEN', 'auditor'))
export class EventsController {
  constructor(private readonly os: OpenSearchService) {}

  /** Searches the audit trail; results are the indexed events, newest first. */
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
    if (q.from || q.to) filter.push({ range: { time: { gte: q.from, lte: q.to } } });
    const must = q.q
      ? [{ simple_query_string: { query: q.q, fields: ['maskedInput', 'message', 'reason'] } }]
      : [];
    const res = await this.os.client.search({
      index: this.os.eventsIndex,
      body: {
        size: q.size,
        sort: [{ time: 'desc' }, { eventId: 'asc' }],
        query: { bool: { filter, must } },
        _source: { excludes: ['original'] },
      } as never,
    });
    const hits = res.body.hits.hits as { _source: Record<string, unknown> }[];
    return { object: 'list', data: hits.map((h) => h._source) };
  }
}
