import { decodeCursor, encodeCursor, searchQuerySchema } from './search.dto';

describe('search cursor', () => {
  it('gives back the sort values it was made from', () => {
    const cursor = encodeCursor([1795255200000, '0f3c9a7e2b']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual([1795255200000, '0f3c9a7e2b']);
    expect(searchQuerySchema.parse({ cursor }).cursor).toEqual([1795255200000, '0f3c9a7e2b']);
  });

  it('refuses anything else, naming the parameter', () => {
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of [
      '',
      'a+b/c=',
      forged([2 ** 60, 'ev']),
      forged([1, '']),
      forged([1, 'ev', 2]),
      forged('ev'),
    ]) {
      expect(decodeCursor(cursor)).toBeUndefined();
      const parsed = searchQuerySchema.safeParse({ cursor });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['cursor']);
    }
  });
});
