import { ingressConfigSchema } from './config';

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
