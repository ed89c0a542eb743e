import { TokenCache } from './token-cache';

describe('TokenCache', () => {
  it('expires entries and evicts the least recently used', () => {
    let now = 0;
    const cache = new TokenCache<string>(2, () => now);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 100);
    expect(cache.get('a')).toBe('A'); // a is now youngest
    cache.set('c', 'C', 100);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
