import { OnePerInterval } from './one-per-interval';

describe('OnePerInterval', () => {
  it('lets the first through, holds back the rest of its interval, and counts them for the next', () => {
    let now = 0;
    const gate = new OnePerInterval(1000, () => now);
    expect(gate.take()).toBe(0);
    now = 10;
    expect(gate.take()).toBeUndefined();
    now = 999;
    expect(gate.take()).toBeUndefined();
    now = 1000;
    expect(gate.take()).toBe(2);
    now = 1500;
    expect(gate.take()).toBeUndefined();
    now = 60_000;
    expect(gate.take()).toBe(1);
    expect(gate.take()).toBeUndefined();
  });
});
