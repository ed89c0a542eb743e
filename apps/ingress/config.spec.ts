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
