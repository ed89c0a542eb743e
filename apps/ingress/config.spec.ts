import { ingressConfigSchema, keepsParallelScavenge } from './config';

describe('UPSTREAM_DEADLINE_MS', () => {
  const setting = ingressConfigSchema.shape.UPSTREAM_DEADLINE_MS;

  it('defaults to 60 s, which SDK clients wait for', () => {
    expect(setting.parse(undefined)).toBe(60_000);
    expect(setting.parse('2500')).toBe(2_500);
  });

  it('refuses what would stop every request or hold one for more than 10 minutes', () => {
    for (const bad of ['0', '99', '600001', '1.5', 'soon']) {
      expect(setting.safeParse(bad).success).toBe(false);
    }
  });
});

describe('EXCHANGE_VERIFY_KEYS', () => {
  const setting = ingressConfigSchema.shape.EXCHANGE_VERIFY_KEYS;
  const pem = (n: number) => `-----BEGIN PUBLIC KEY-----\nkey${n}\n-----END PUBLIC KEY-----`;

  it('takes every PEM block of the value, and none when unset', () => {
    expect(setting.parse(undefined)).toEqual([]);
    expect(setting.parse(`${pem(1)}\n\n${pem(2)}\n`)).toEqual([pem(1), pem(2)]);
  });

  it('refuses a value holding no PEM block, rather than verifying with nothing', () => {
    const result = setting.safeParse('-----BEGIN PUBLIC KEY----- cut short');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('holds no PEM public key');
  });
});

describe('keepsParallelScavenge', () => {
  it("keeps V8's default when the command line asks for it, in either spelling", () => {
    expect(keepsParallelScavenge(['--parallel-scavenge'])).toBe(true);
    expect(keepsParallelScavenge(['--max-old-space-size=512', '--parallel_scavenge'])).toBe(true);
    expect(keepsParallelScavenge([])).toBe(false);
    expect(keepsParallelScavenge(['--no-parallel-scavenge'])).toBe(false);
  });
});

describe('MAX_IN_FLIGHT', () => {
  const setting = ingressConfigSchema.shape.MAX_IN_FLIGHT;

  it('defaults to 256 requests in flight per gateway process', () => {
    expect(setting.parse(undefined)).toBe(256);
    expect(setting.parse('2')).toBe(2);
  });

  it('refuses a cap that would refuse every request, or none', () => {
    for (const bad of ['0', '-1', '1.5', '100001', 'many']) {
      expect(setting.safeParse(bad).success).toBe(false);
    }
  });
});

describe('MAX_CONNECTIONS and HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
  const connections = ingressConfigSchema.shape.MAX_CONNECTIONS;
  const keepAlive = ingressConfigSchema.shape.HTTP_KEEP_ALIVE_TIMEOUT_MS;

  it('default to 4096 open connections, idle ones closed after 72 s', () => {
    expect(connections.parse(undefined)).toBe(4096);
    expect(connections.parse('3')).toBe(3);
    expect(keepAlive.parse(undefined)).toBe(72_000);
    expect(keepAlive.parse('5000')).toBe(5_000);
  });

  it('refuse a cap that would refuse every connection, and idle times under 1 s or over 1 hour', () => {
    for (const bad of ['0', '1.5', '1000001', 'lots']) {
      expect(connections.safeParse(bad).success).toBe(false);
    }
    for (const bad of ['999', '3600001', 'long']) {
      expect(keepAlive.safeParse(bad).success).toBe(false);
    }
  });
});
