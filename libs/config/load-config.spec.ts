import { z } from 'zod';
import {
  baseConfigSchema,
  ConfigError,
  keyringSetting,
  parseConfig,
  portSetting,
} from './load-config';

const schema = baseConfigSchema.extend({ PORT: portSetting(8080), MASTER_KEY: z.string().min(8) });

describe('parseConfig', () => {
  it('applies defaults and parses the broker list', () => {
    const cfg = parseConfig(schema, { MASTER_KEY: 'abcdefgh', KAFKA_BROKERS: 'a:1,b:2' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it("refuses the repository's published placeholders in production, and only there", () => {
    const keyed = baseConfigSchema.extend({ KEYS: keyringSetting, TOKEN: z.string().min(8) });
    const devKey = Buffer.from('dev-only-sealing-key-not-secret!').toString('base64');
    const realKey = Buffer.alloc(32, 7).toString('base64');
    const env = { KEYS: `dev1:${devKey}`, TOKEN: 'a-real-token-value' };
    expect(() => parseConfig(keyed, { ...env, NODE_ENV: 'production' })).toThrow(
      /^Invalid setting KEYS: is invalid \(a published development placeholder/,
    );
    expect(() =>
      parseConfig(keyed, { ...env, KEYS: `k2:${realKey},dev1:${devKey}`, NODE_ENV: 'production' }),
    ).toThrow(/Invalid setting KEYS/);
    expect(() =>
      parseConfig(keyed, {
        KEYS: `k1:${realKey}`,
        TOKEN: 'dev-only-audit-api-token-change-me',
        NODE_ENV: 'production',
      }),
    ).toThrow(/Invalid setting TOKEN/);
    expect(parseConfig(keyed, env).NODE_ENV).toBe('development');
    expect(
      parseConfig(keyed, { ...env, KEYS: `k1:${realKey}`, NODE_ENV: 'production' }).TOKEN,
    ).toBe('a-real-token-value');
  });

  it('names a missing setting on one line', () => {
    expect(() => parseConfig(schema, {})).toThrow(ConfigError);
    expect(() => parseConfig(schema, {})).toThrow(/^Invalid setting MASTER_KEY: is missing/);
  });

  it('names an invalid setting', () => {
    expect(() => parseConfig(schema, { MASTER_KEY: 'abcdefgh', PORT: 'eighty' })).toThrow(
      /Invalid setting PORT: is invalid/,
    );
    expect(() =>
      parseConfig(schema, { MASTER_KEY: 'abcdefgh', KAFKA_BROKERS: 'no port here' }),
    ).toThrow(/Invalid setting KAFKA_BROKERS/);
  });

  it('parses keyrings and rejects short keys without echoing them', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const ring = z.object({ K: keyringSetting }).parse({ K: `k2:${key},k1:${key}` }).K;
    expect(ring.activeKeyId).toBe('k2');
    expect(Object.keys(ring.keys)).toEqual(['k2', 'k1']);
    let message = '';
    try {
      parseConfig(z.object({ K: keyringSetting }), { K: 'k1:c2hvcnQ=' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Invalid setting K/);
    expect(message).not.toContain('c2hvcnQ');
  });

  it('refuses a keyring that lists a key id twice, without echoing either key', () => {
    const a = Buffer.alloc(32, 1).toString('base64');
    const b = Buffer.alloc(32, 2).toString('base64');
    let message = '';
    try {
      parseConfig(z.object({ K: keyringSetting }), { K: `k1:${a},k2:${b},k1:${b}` });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('Invalid setting K: is invalid (key id k1 is listed twice)');
    expect(message).not.toContain(a);
    expect(message).not.toContain(b);
  });
});
