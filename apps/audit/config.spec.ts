import { ConfigError, parseConfig } from '@embargo/config';
import { auditConfigSchema } from './config';

const keys = (id: string) => `${id}:${Buffer.alloc(32, id.length).toString('base64')}`;
const base = { AUDIT_API_TOKEN: 'search-token-0123456789abcdef' };
const reveal = {
  ...base,
  AUDIT_REVEAL_TOKEN: 'reveal-token-0123456789abcdef',
  SEALING_KEYS: keys('s1'),
  MASKING_KEYS: keys('m1'),
};

function failure(env: Record<string, string>): string {
  try {
    parseConfig(auditConfigSchema, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'started';
}

describe('audit config', () => {
  it('starts without reveal settings, with reveal off', () => {
    const c = parseConfig(auditConfigSchema, base);
    expect(c.AUDIT_REVEAL_TOKEN).toBeUndefined();
    expect(c.SEALING_KEYS).toBeUndefined();
  });

  it('gives a search ten seconds unless told otherwise, and stops on a timeout out of range', () => {
    expect(parseConfig(auditConfigSchema, base).AUDIT_SEARCH_TIMEOUT_MS).toBe(10_000);
    expect(
      parseConfig(auditConfigSchema, { ...base, AUDIT_SEARCH_TIMEOUT_MS: '2500' })
        .AUDIT_SEARCH_TIMEOUT_MS,
    ).toBe(2500);
    for (const bad of ['0', '50', '120001', '1.5', 'ten'])
      expect(failure({ ...base, AUDIT_SEARCH_TIMEOUT_MS: bad })).toMatch(
        /^Invalid setting AUDIT_SEARCH_TIMEOUT_MS: /,
      );
  });

  it('takes a reveal token with both key rings', () => {
    const c = parseConfig(auditConfigSchema, reveal);
    expect(c.SEALING_KEYS?.activeKeyId).toBe('s1');
    expect(c.MASKING_KEYS?.activeKeyId).toBe('m1');
  });

  it('stops with one line naming what a reveal token lacks or shares', () => {
    const { SEALING_KEYS: _s, ...noSealing } = reveal;
    expect(failure(noSealing)).toBe(
      'Invalid setting SEALING_KEYS: is missing (AUDIT_REVEAL_TOKEN needs it)',
    );
    const { MASKING_KEYS: _m, ...noMasking } = reveal;
    expect(failure(noMasking)).toBe(
      'Invalid setting MASKING_KEYS: is missing (AUDIT_REVEAL_TOKEN needs it)',
    );
    expect(failure({ ...reveal, AUDIT_REVEAL_TOKEN: base.AUDIT_API_TOKEN })).toBe(
      'Invalid setting AUDIT_REVEAL_TOKEN: is invalid (must differ from AUDIT_API_TOKEN)',
    );
    expect(failure({ ...reveal, AUDIT_REVEAL_TOKEN: 'short' })).toBe(
      'Invalid setting AUDIT_REVEAL_TOKEN: is invalid (must be at least 24 characters)',
    );
  });
});
