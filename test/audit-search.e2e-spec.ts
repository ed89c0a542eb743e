import { eventually, REPO_ROOT, startApp, TESTING_ENV, type RunningApp } from '@embargo/testing';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The audit search API on the real OpenSearch: the audit app alone, on an index of its
 * own, with events written straight into the index (the indexing path has its own tests).
 */
describe('audit search: every matching event, a page at a time', () => {
  let audit: RunningApp;
  const token = randomBytes(24).toString('hex');
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const index = `embargo-events-test-search-${runId}`;
  const requestId = randomUUID();

  const os = (path: string, init?: RequestInit) =>
    fetch(`${TESTING_ENV.OPENSEARCH_URL}/${path}`, init);
  /** Indexes `docs` (each under its eventId) straight into OpenSearch, searchable at once. */
  const indexDirectly = async (docs: readonly Record<string, unknown>[]) => {
    const body = docs
      .map(
        (d) =>
          `${JSON.stringify({ index: { _index: index, _id: d.eventId } })}\n${JSON.stringify(d)}\n`,
      )
      .join('');
    const res = await os('_bulk?refresh=true', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(((await res.json()) as { errors: boolean }).errors).toBe(false);
  };
  const search = (query: string, bearer = token) =>
    fetch(`${audit.url}/v1/audit/events?${query}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
  interface Page {
    object: string;
    data: Record<string, unknown>[];
    has_more: boolean;
    next_cursor: string | null;
  }

  /** A 400 naming the cursor, in the OpenAI error shape. */
  const expectCursorRefused = async (answer: Promise<Response>, message = '') => {
    const res = await answer;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_request',
      param: 'cursor',
      message: expect.stringContaining(message) as unknown,
    });
  };

  /** Seven events of one request; three share a millisecond, so only the event id orders them. */
  const events = Array.from({ length: 7 }, (_, i) => ({
    eventId: `ev-${runId}-${String(i).padStart(2, '0')}`,
    type: 'dev.embargo.request.received.v1',
    source: 'e2e',
    time: new Date(Date.UTC(2026, 10, 23, 10, 0, i < 3 ? 0 : i)).toISOString(),
    indexedAt: new Date().toISOString(),
    requestId,
    stage: 'received',
    data: { requestId, stage: 'received' },
  }));
  /** The order the API promises: newest first, then by event id. */
  const expectedOrder = [...events]
    .sort((a, b) => b.time.localeCompare(a.time) || a.eventId.localeCompare(b.eventId))
    .map((e) => e.eventId);

  beforeAll(async () => {
    audit = await startApp('audit', {
      LOG_LEVEL: 'warn',
      KAFKA_GROUP_PREFIX: `${runId}.`,
      AUDIT_API_TOKEN: token,
      AUDIT_INDEX: index,
    });
    await indexDirectly(events);
  }, 90_000);

  afterAll(async () => {
    await audit?.stop();
    await os(`${index},${index}-dead-letters?ignore_unavailable=true`, { method: 'DELETE' });
  });

  it('follows next_cursor through every event exactly once, in order, until has_more is false', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search(
        `requestId=${requestId}&size=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      expect(page.object).toBe('list');
      seen.push(...page.data.map((e) => e.eventId as string));
      pages += 1;
      if (page.has_more) expect(page.next_cursor).toEqual(expect.any(String));
      else expect(page.next_cursor).toBeNull();
      cursor = page.next_cursor;
    } while (cursor && pages < 10);
    expect(seen).toEqual(expectedOrder);
    expect(pages).toBe(4);
  });

  it('says there is nothing more when one page holds every match', async () => {
    const res = await search(`requestId=${requestId}&size=7`);
    const page = (await res.json()) as Page;
    expect(page.data.map((e) => e.eventId)).toEqual(expectedOrder);
    expect(page).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('refuses a cursor it did not issue with a 400 in the OpenAI shape', async () => {
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of [
      'not a cursor',
      'bm90IGpzb24', // "not json"
      forged(['2026-11-23T10:00:00Z', 'ev']),
      forged([1, 'ev', 'extra']),
      forged({ time: 1, eventId: 'ev' }),
      forged([1.5, 'ev']),
      'A'.repeat(5000),
    ]) {
      await expectCursorRefused(
        search(`requestId=${requestId}&cursor=${encodeURIComponent(cursor)}`),
      );
    }
  });

  it('sends a masked event’s input once, and never its sealed original', async () => {
    const maskedInput = ['Name: <PERSON>, mail <EMAIL_ADDRESS>', 'x'.repeat(100_000)];
    const masked = {
      ...events[0],
      eventId: `ev-${runId}-masked`,
      requestId: `${requestId}-masked`,
      stage: 'masked',
      maskedInput,
      original: { alg: 'A256GCM', kid: 's1', iv: 'aXY', ct: 'c2VhbGVk', tag: 'dGFn' },
      data: {
        requestId: `${requestId}-masked`,
        stage: 'masked',
        maskedInput,
        original: { alg: 'A256GCM', kid: 's1' },
      },
    };
    const put = await os(`${index}/_doc/${masked.eventId}?refresh=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(masked),
    });
    expect(put.status).toBe(201);
    const res = await search(`requestId=${masked.requestId}&stage=masked`);
    const text = await res.text();
    const page = JSON.parse(text) as Page;
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ maskedInput, data: { stage: 'masked' } });
    expect(page.data[0]).not.toHaveProperty('original');
    expect(page.data[0].data).not.toHaveProperty('maskedInput');
    expect(text.length).toBeLessThan(110_000);
  });

  it('embargo audit search --all prints every event once, and --max says where to go on', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'embargo.js'),
          'audit',
          'search',
          '--request-id',
          requestId,
          ...args,
        ],
        {
          env: { PATH: TESTING_ENV.PATH, EMBARGO_AUDIT_URL: audit.url, EMBARGO_AUDIT_TOKEN: token },
        },
      );
    const ids = (stdout: string) =>
      stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { eventId: string }).eventId);

    const all = await cli('--all', '--size', '2');
    expect(ids(all.stdout)).toEqual(expectedOrder);
    expect(all.stderr).toBe('');

    const first = await cli('--all', '--size', '2', '--max', '3');
    expect(ids(first.stdout)).toEqual(expectedOrder.slice(0, 3));
    const cursor = /continue with --cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toEqual(expect.any(String));
    const rest = await cli('--all', '--cursor', cursor ?? '');
    expect(ids(rest.stdout)).toEqual(expectedOrder.slice(3));

    const onePage = JSON.parse((await cli('--size', '5')).stdout) as Page;
    expect(onePage.data).toHaveLength(5);
    expect(onePage).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
  });

  it('refuses a cursor on a search other than the one that returned it', async () => {
    const first = (await (await search(`requestId=${requestId}&size=2`)).json()) as Page;
    const cursor = encodeURIComponent(first.next_cursor ?? '');
    // The same search at another page size continues where the first page ended.
    const next = (await (
      await search(`requestId=${requestId}&size=3&cursor=${cursor}`)
    ).json()) as Page;
    expect(next.data.map((e) => e.eventId)).toEqual(expectedOrder.slice(2, 5));

    for (const other of [
      `requestId=${requestId}&stage=masked`,
      `requestId=${requestId}&q=received`,
      `requestId=${requestId}&from=2026-11-23T10:00:03Z`,
      `stage=received`,
    ]) {
      await expectCursorRefused(
        search(`${other}&cursor=${cursor}`),
        'this cursor belongs to another query',
      );
    }
  });

  it('pages past an event whose id is as long as an event id may be', async () => {
    // ce_id takes up to 256 characters (EVENT_ID_PATTERN): a page may end on such an event.
    const longRequest = `${requestId}-long`;
    const longIds = [0, 1, 2].map((i) => `${i}`.padEnd(256, 'x'));
    await indexDirectly(
      longIds.map((eventId) => ({ ...events[0], eventId, requestId: longRequest, data: {} })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await search(
        `requestId=${longRequest}&size=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      seen.push(...page.data.map((e) => e.eventId as string));
      cursor = page.next_cursor;
    } while (cursor && seen.length < 5);
    expect(seen).toEqual(longIds);
  });

  it('takes from and to with more than millisecond precision as the instant they name', async () => {
    // Seven events at 10:00:00 (three) and 10:00:03 to 10:00:06; OpenSearch stores ms.
    const res = await search(
      `requestId=${requestId}&from=2026-11-23T10:00:00.0000000001Z&to=2026-11-23T10:00:03.0000000009Z`,
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    expect(page.data.map((e) => e.eventId)).toEqual(expectedOrder.slice(3));
  });

  it('takes and, or, not and phrases in q, and no fuzzy, slop or prefix operators', async () => {
    const textRequest = `${requestId}-text`;
    const texts = {
      fox: 'the quick brown fox jumps over the lazy dog',
      alphabet: 'alphabet soup for lunch',
    };
    await indexDirectly(
      Object.entries(texts).map(([name, message], i) => ({
        ...events[0],
        eventId: `ev-${runId}-text-${name}`,
        time: new Date(Date.UTC(2026, 10, 23, 11, 0, i)).toISOString(),
        requestId: textRequest,
        stage: 'failed',
        message,
        data: { requestId: textRequest, stage: 'failed', message },
      })),
    );
    const found = async (q: string) => {
      const res = await search(`requestId=${textRequest}&q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as Page).data.map((e) => (e.eventId as string).split('-').pop());
    };

    expect(await found('fox')).toEqual(['fox']);
    expect(await found('alphabet | fox')).toEqual(['alphabet', 'fox']);
    expect(await found('(lunch | fox) + -soup')).toEqual(['fox']);
    expect(await found('"brown fox"')).toEqual(['fox']);
    expect(await found('"quick fox"')).toEqual([]);
    // Each of these would match: a prefix, a fuzzy term and a phrase with slop.
    expect(await found('alpha*')).toEqual([]);
    expect(await found('alphabte~2')).toEqual([]);
    expect(await found('"quick fox"~3')).toEqual([]);
  });

  // Last: it closes the index.
  it('answers an OpenSearch refusal with an error id, not OpenSearch’s message', async () => {
    expect((await os(`${index}/_close`, { method: 'POST' })).status).toBe(200);
    const res = await search(`requestId=${requestId}`);
    expect(res.status).toBe(500);
    const text = await res.text();
    const body = JSON.parse(text) as { error: { message: string; code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'internal_error', type: 'server_error' });
    const errorId = /error id ([0-9a-f-]{36})/.exec(body.error.message)?.[1];
    expect(errorId).toEqual(expect.any(String));
    expect(text).not.toContain(index);
    expect(text).not.toMatch(/closed|exception/i);
    // The detail is in the log, under the id the auditor was given.
    await eventually(
      () => Promise.resolve(audit.output().includes(errorId ?? '-') ? true : undefined),
      5000,
      'the error id in the log',
    );
    const line = audit
      .output()
      .split('\n')
      .find((l) => l.includes(errorId ?? '-'));
    expect(line).toMatch(/closed/);
  });
});
