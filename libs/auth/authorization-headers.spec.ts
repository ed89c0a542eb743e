import { authorizationHeaders } from './authorization-headers';

describe('authorizationHeaders', () => {
  it('counts every Authorization header, whatever its case, and only names', () => {
    expect(authorizationHeaders([])).toBe(0);
    expect(authorizationHeaders(['Authorization', 'Bearer x', 'Host', 'a'])).toBe(1);
    expect(
      authorizationHeaders(['authorization', 'Bearer x', 'AUTHORIZATION', 'Bearer a.b.c']),
    ).toBe(2);
    // A header whose value is "authorization" is not one.
    expect(authorizationHeaders(['x-note', 'authorization'])).toBe(0);
  });
});
