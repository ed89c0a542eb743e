import { embeddingCacheKey, type CacheScope } from './embedding-cache';

describe('embeddingCacheKey', () => {
  const scope: CacheScope = {
    principal: 'k8s:system:serviceaccount:search:indexer',
    connection: 'openai',
    upstreamModel: 'text-embedding-3-small',
    upstream: '["openai","https://api.openai.com/v1",null,null]',
    model: 'text-embedding-3-small',
    input: ['Jane Roe, SSN 078-05-1120'],
  };

  it('gives the same principal the same key for the same request', () => {
    expect(embeddingCacheKey({ ...scope })).toBe(embeddingCacheKey(scope));
  });

  it("never shares an answer between principals, so none can probe another's inputs", () => {
    expect(embeddingCacheKey({ ...scope, principal: 'ci:repo:org/app' })).not.toBe(
      embeddingCacheKey(scope),
    );
  });

  it('tells models, connections, upstreams, upstream models, dimensions and inputs apart', () => {
    const base = embeddingCacheKey(scope);
    for (const other of [
      { model: 'text-embedding-3-large' },
      { connection: 'azure' },
      { upstreamModel: 'text-embedding-3-large' },
      // The same connection name pointed at another deployment.
      { upstream: '["openai","https://eu.api.example.com/v1",null,null]' },
      { dimensions: 256 },
      { input: ['Jane Roe'] },
    ])
      expect(embeddingCacheKey({ ...scope, ...other })).not.toBe(base);
  });

  it('stores nothing readable in the key', () => {
    expect(embeddingCacheKey(scope)).toMatch(/^embargo:cache:v4:[0-9a-f]{64}$/);
  });
});
