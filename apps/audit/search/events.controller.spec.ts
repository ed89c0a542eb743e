import { EmbargoError } from '@embargo/contracts';
import type { OpenSearchService } from '../indexing/opensearch.service';
import { EventsController } from './events.controller';

/** The one method the controller uses, answering as OpenSearch did; it keeps what it was asked. */
function controllerAnswering(answer: { timed_out: boolean; hits: unknown[] }) {
  const asked: Record<string, unknown>[] = [];
  const os: Pick<OpenSearchService, 'searchEvents'> = {
    searchEvents: (body) => {
      asked.push(body);
      return Promise.resolve({
        body: { timed_out: answer.timed_out, hits: { hits: answer.hits } },
      } as unknown as Awaited<ReturnType<OpenSearchService['searchEvents']>>);
    },
  };
  return { controller: new EventsController(os, { AUDIT_SEARCH_TIMEOUT_MS: 2500 }), asked };
}

const hit = (i: number) => ({
  _source: { eventId: `ev-${i}` },
  sort: [1795255200000 - i, `ev-${i}`],
});

describe('GET /v1/audit/events', () => {
  it('refuses a search that ran out of time instead of sending its partial page', async () => {
    // OpenSearch answers a timed-out search with what it found so far, enough for a full page.
    const { controller } = controllerAnswering({ timed_out: true, hits: [0, 1, 2].map(hit) });
    const err = await controller.search({ q: 'alpha', size: '2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbargoError);
    expect(err).toMatchObject({ code: 'search_timeout', status: 504 });
    expect((err as Error).message).toBe(
      'The search took longer than 2.5 s; narrow it with filters (requestId, principal, stage, from and to) or a more specific q',
    );
  });

  it('asks OpenSearch to stop at the configured time, with only the cheap q operators', async () => {
    const { controller, asked } = controllerAnswering({
      timed_out: false,
      hits: [0, 1, 2].map(hit),
    });
    const page = await controller.search({ q: 'alph* fox~2', size: '2' });
    expect(page).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    expect(asked[0]).toMatchObject({
      timeout: '2500ms',
      query: {
        bool: {
          must: [
            {
              simple_query_string: {
                query: 'alph* fox~2',
                flags: 'AND|OR|NOT|PHRASE|PRECEDENCE|ESCAPE|WHITESPACE',
              },
            },
          ],
        },
      },
    });
    expect(asked[0]).not.toHaveProperty('terminate_after');
  });

  it('continues a search from its cursor, and refuses the cursor on another search', async () => {
    const { controller, asked } = controllerAnswering({
      timed_out: false,
      hits: [0, 1, 2].map(hit),
    });
    const first = await controller.search({ requestId: 'r-1', size: '2' });
    const cursor = first.next_cursor ?? '';
    await controller.search({ requestId: 'r-1', size: '5', cursor });
    expect(asked[1]).toMatchObject({ search_after: [1795255200000 - 1, 'ev-1'] });

    const err = await controller.search({ requestId: 'r-2', cursor }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_request', details: { param: 'cursor' } });
    expect((err as Error).message).toMatch(/this cursor belongs to another query/);
    expect(asked).toHaveLength(2);
  });
});
