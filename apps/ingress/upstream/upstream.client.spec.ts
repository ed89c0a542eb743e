import { Secret } from './secret';
import { parseRetryAfter, safeExcerpt } from './upstream.client';

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, delta seconds and HTTP dates', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250.5' })).toBe(251);
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});

describe('safeExcerpt', () => {
  const connection = { credential: new Secret('sk-live-SUPERSECRET-1234567890') };

  it('keeps the provider message and drops the credential', () => {
    const body = JSON.stringify({
      error: {
        message: 'Incorrect API key provided: sk-live-SUPERSECRET-1234567890.',
        code: 'invalid_api_key',
      },
    });
    const excerpt = safeExcerpt(body, connection);
    expect(excerpt).toBe('Incorrect API key provided: [redacted].');
  });

  it('drops the credential when the provider echoes it JSON-escaped', () => {
    const sas = { credential: new Secret('sv=2024&ss=b&sig=Zx9') };
    const body = '{"error":{"message":"bad credential sv=2024\\u0026ss=b\\u0026sig=Zx9"}}';
    const excerpt = safeExcerpt(body, sas);
    expect(excerpt).toBe('bad credential [redacted]');
  });

  it('redacts key-like strings it was not told about, and stays short and on one line', () => {
    const excerpt = safeExcerpt(`oops\n\nBearer abc.def api_key=hunter2 ${'x'.repeat(500)}`, {
      credential: undefined,
    });
    expect(excerpt).not.toContain('abc.def');
    expect(excerpt).not.toContain('hunter2');
    expect(excerpt).not.toContain('\n');
    expect(excerpt.length).toBeLessThanOrEqual(161);
  });
});
