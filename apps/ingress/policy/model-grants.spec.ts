import { compilePolicy, type CompiledPolicy } from '@embargo/policy';
import { grantMatcher } from './model-grants';

function compiled(yaml: string): CompiledPolicy {
  const result = compilePolicy([{ path: 'roles.yaml', content: yaml }]);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const principal = { id: 'idp:svc-a', issuer: 'https://idp', subject: 'svc-a' };

describe('grantMatcher', () => {
  const policy = compiled(`
version: 1
roles:
  svc:
    match: { subject: svc-a }
    models: [text-embedding-*, embed-v?, "*-*-*-*-*-*-prod"]
`);
  const granted = grantMatcher(policy, principal, () => 'primary');

  it.each<[model: string, matches: boolean]>([
    ['text-embedding-3-small', true],
    ['text-embedding', false],
    ['my-text-embedding-3', false],
    ['embed-v?', true],
    ['embed-v1', false],
    ['a-b-c-d-e-f-prod', true],
    ['text-embedding-\nx', false],
  ])('%j: %s', (model, matches) => {
    expect(granted(model)).toBe(matches);
  });

  it('refuses a long adversarial model name without stalling', () => {
    const started = performance.now();
    expect(granted('-'.repeat(200))).toBe(false);
    // Loose on purpose: the scan needs microseconds here, the old regexes needed seconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("grants a connection-limited role's models only where the model's route is one of them", () => {
    const limited = compiled(`
version: 1
roles:
  svc:
    match: { subject: svc-a }
    models: [text-embedding-3-small, embed-v1]
    connections: [azure-east]
`);
    const routes: Record<string, string> = {
      'text-embedding-3-small': 'stand-in',
      'embed-v1': 'azure-east',
    };
    const grants = grantMatcher(limited, principal, (m) => routes[m]);
    expect(grants('text-embedding-3-small')).toBe(false);
    expect(grants('embed-v1')).toBe(true);
    expect(grants('embed-v2')).toBe(false);
  });
});
