import { grantMatcher } from './model-grants';

describe('grantMatcher', () => {
  const granted = grantMatcher(['text-embedding-*', 'embed-v?', '*-*-*-*-*-*-prod']);

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
});
