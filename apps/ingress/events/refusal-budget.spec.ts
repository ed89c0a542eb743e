import { RefusalBudget, sourceOf } from './refusal-budget';

describe('RefusalBudget', () => {
  it('writes the first refusals of each address and code, and counts the rest for one summary', () => {
    const budget = new RefusalBudget(3, 100, 50);
    const admitted = Array.from({ length: 10 }, () =>
      budget.admit('203.0.113.7', 'invalid_token', 401),
    );
    expect(admitted).toEqual([true, true, true, false, false, false, false, false, false, false]);
    // Another code, and another address, have budgets of their own.
    expect(budget.admit('203.0.113.7', 'invalid_request', 400)).toBe(true);
    expect(budget.admit('198.51.100.1', 'invalid_token', 401)).toBe(true);
    expect(budget.drain()).toEqual([
      { clientIp: '203.0.113.7', code: 'invalid_token', status: 401, heldBack: 7 },
    ]);
    // A new window starts with whole budgets.
    expect(budget.admit('203.0.113.7', 'invalid_token', 401)).toBe(true);
    expect(budget.drain()).toEqual([]);
  });

  it('caps the events of a window across addresses', () => {
    const budget = new RefusalBudget(10, 5, 50);
    const admitted = Array.from({ length: 8 }, (_, i) =>
      budget.admit(`10.0.0.${i}`, 'invalid_token', 401),
    );
    expect(admitted.filter(Boolean)).toHaveLength(5);
    expect(budget.drain()).toEqual([
      { clientIp: '10.0.0.5', code: 'invalid_token', status: 401, heldBack: 1 },
      { clientIp: '10.0.0.6', code: 'invalid_token', status: 401, heldBack: 1 },
      { clientIp: '10.0.0.7', code: 'invalid_token', status: 401, heldBack: 1 },
    ]);
  });

  it('counts the addresses past its table together, per code, so a spread flood stays bounded', () => {
    const budget = new RefusalBudget(10, 1000, 3);
    for (let i = 0; i < 100; i++)
      budget.admit(`2001:db8:${i.toString(16)}::1`, 'invalid_token', 401);
    const held = budget.drain();
    expect(held).toEqual([
      { clientIp: undefined, code: 'invalid_token', status: 401, heldBack: 97 },
    ]);
  });

  it('keeps one budget for an IPv6 network, so cycling through its addresses gains nothing', () => {
    const budget = new RefusalBudget(3, 1000, 50);
    const admitted = Array.from({ length: 6 }, (_, i) =>
      budget.admit(`2001:db8:1:2::${(i + 1).toString(16)}`, 'invalid_token', 401),
    );
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(budget.admit('2001:db8:1:3::1', 'invalid_token', 401)).toBe(true);
    expect(budget.drain()).toEqual([
      { clientIp: '2001:db8:1:2::/64', code: 'invalid_token', status: 401, heldBack: 3 },
    ]);
  });

  it('counts a code answered with different statuses (the token endpoint) apart', () => {
    const budget = new RefusalBudget(1, 1000, 50);
    budget.admit('192.0.2.1', 'invalid_token', 401);
    budget.admit('192.0.2.1', 'invalid_token', 401);
    budget.admit('192.0.2.1', 'invalid_token', 400);
    budget.admit('192.0.2.1', 'invalid_token', 400);
    expect(budget.drain().map((c) => c.status)).toEqual([401, 400]);
  });
});

describe('sourceOf', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::6', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
    ['::ffff:1.2.3.4', '0:0:0:0::/64'],
    ['2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1:2::/64'],
  ])('%s', (ip, source) => {
    expect(sourceOf(ip)).toBe(source);
  });
});
