import { EmbargoError } from '@embargo/contracts';
import type { ExecutionContext } from '@nestjs/common';
import { StaticTokenGuard } from './static-token.guard';

const TOKEN = 'reveal-token-0123456789abcdef';
const ctx = (authorization?: string, rawHeaders?: string[]) =>
  ({
    switchToHttp: () => ({
      getRequest: () => ({ headers: { authorization }, raw: { rawHeaders } }),
    }),
  }) as unknown as ExecutionContext;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof EmbargoError) return e.code;
    throw e;
  }
  return undefined;
}

describe('StaticTokenGuard', () => {
  const Guard = StaticTokenGuard('AUDIT_REVEAL_TOKEN', 'auditor reveal', { optional: true });

  it('admits the configured token only', () => {
    const guard = new Guard({
      AUDIT_REVEAL_TOKEN: TOKEN,
      AUDIT_API_TOKEN: 'search-token-0123456789ab',
    });
    expect(guard.canActivate(ctx(`Bearer ${TOKEN}`))).toBe(true);
    expect(codeOf(() => guard.canActivate(ctx('Bearer search-token-0123456789ab')))).toBe(
      'invalid_token',
    );
    expect(codeOf(() => guard.canActivate(ctx(`Bearer ${TOKEN}x`)))).toBe('invalid_token');
    expect(codeOf(() => guard.canActivate(ctx()))).toBe('unauthenticated');
    expect(codeOf(() => guard.canActivate(ctx(TOKEN)))).toBe('unauthenticated');
  });

  it('refuses two Authorization headers even when the first holds the right token', () => {
    const guard = new Guard({ AUDIT_REVEAL_TOKEN: TOKEN });
    const raw = ['Authorization', `Bearer ${TOKEN}`, 'authorization', 'Bearer other'];
    expect(codeOf(() => guard.canActivate(ctx(`Bearer ${TOKEN}`, raw)))).toBe('invalid_token');
  });

  it('turns its routes off with a 404 naming the setting when an optional token is unset', () => {
    const guard = new Guard({});
    let err: unknown;
    try {
      void guard.canActivate(ctx(`Bearer ${TOKEN}`));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EmbargoError);
    expect((err as EmbargoError).status).toBe(404);
    expect((err as Error).message).toBe(
      'The auditor reveal routes are not enabled on this service (AUDIT_REVEAL_TOKEN is not set)',
    );
  });

  it('stops the app when a required token is unset', () => {
    const Required = StaticTokenGuard('AUDIT_API_TOKEN', 'auditor');
    expect(() => new Required({})).toThrow('AUDIT_API_TOKEN is not configured');
  });
});
