import { decodeCursor, encodeCursor, searchKey, searchQuerySchema } from './search.dto';

const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('search cursor', () => {
  const key = searchKey({ requestId: 'r-1' });

  it('gives back the sort values it was made from', () => {
    const cursor = encodeCursor([1795255200000, '0f3c9a7e2b'], key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ values: [1795255200000, '0f3c9a7e2b'], key });
    expect(searchQuerySchema.parse({ requestId: 'r-1', cursor }).cursor).toEqual([
      1795255200000,
      '0f3c9a7e2b',
    ]);
  });

  it('stays under the length limit with the longest event id', () => {
    const cursor = encodeCursor([-8_640_000_000_000_000, 'e'.repeat(256)], key);
    expect(decodeCursor(cursor)?.values[1]).toHaveLength(256);
  });

  it('refuses anything else, naming the parameter', () => {
    for (const cursor of [
      '',
      'a+b/c=',
      forged([2 ** 60, 'ev', key]),
      forged([1, '', key]),
      forged([1, 'e'.repeat(257), key]),
      forged([1, 'no spaces', key]),
      forged([1, 'ev', key, 2]),
      forged([1, 'ev', 'short']),
      // A cursor from before searches had keys.
      forged([1, 'ev']),
      forged('ev'),
      'A'.repeat(513),
    ]) {
      expect(decodeCursor(cursor)).toBeUndefined();
      const parsed = searchQuerySchema.safeParse({ requestId: 'r-1', cursor });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['cursor']);
      expect(parsed.error?.issues[0]?.message).toMatch(/not a cursor this service issued/);
    }
  });
});

describe('a cursor continues only its own search', () => {
  const issued = { requestId: 'r-1', q: 'alpha', from: '2026-11-23T10:00:00Z' };
  const cursor = encodeCursor([1795255200000, 'ev'], searchKey(issued));

  it.each([
    ['another filter value', { ...issued, requestId: 'r-2' }],
    ['a filter added', { ...issued, stage: 'masked' }],
    ['a filter dropped', { q: 'alpha', from: issued.from }],
    ['another q', { ...issued, q: 'beta' }],
    ['q dropped', { requestId: 'r-1', from: issued.from }],
    ['another time', { ...issued, from: '2026-11-23T10:00:01Z' }],
    ['a value moved to another filter', { principal: 'r-1', q: 'alpha', from: issued.from }],
  ])('refuses it with %s', (_, query) => {
    const parsed = searchQuerySchema.safeParse({ ...query, cursor });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['cursor']);
    expect(parsed.error?.issues[0]?.message).toMatch(/^this cursor belongs to another query/);
  });

  it.each([
    ['the same search', issued],
    ['another page size', { ...issued, size: '7' }],
    ['the same time written otherwise', { ...issued, from: '2026-11-23T10:00:00.000Z' }],
    ['an empty filter, which filters nothing', { ...issued, model: '' }],
  ])('takes it with %s', (_, query) => {
    expect(searchQuerySchema.parse({ ...query, cursor }).cursor).toEqual([1795255200000, 'ev']);
  });
});

describe('a time range', () => {
  it('counts from and to by the millisecond they fall in, as OpenSearch does', () => {
    const parsed = searchQuerySchema.parse({
      from: '2026-11-23T10:00:00.0000000001Z',
      to: '2026-11-23T10:00:03.999999999999Z',
    });
    expect(parsed).toMatchObject({
      from: '2026-11-23T10:00:00.000Z',
      to: '2026-11-23T10:00:03.999Z',
    });
  });
});
