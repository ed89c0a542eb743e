import { OnePerInterval } from './one-per-interval';

describe('OnePerInterval', () => {
  it('lets the first of each interval through and counts the rest until drained', () => {
    let now = 0;
    const gate = new OnePerInterval(1000, () => now);
    expect(gate.take()).toBe(true);
    now = 10;
    expect(gate.take()).toBe(false);
    now = 999;
    expect(gate.take()).toBe(false);
    now = 1000;
    expect(gate.take()).toBe(true);
    now = 1500;
    expect(gate.take()).toBe(false);
    expect(gate.drain()).toBe(3);
    expect(gate.drain()).toBe(0);
    now = 60_000;
    expect(gate.take()).toBe(true);
    expect(gate.take()).toBe(false);
    expect(gate.drain()).toBe(1);
  });
});
