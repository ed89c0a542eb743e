// Helpers shared by this library's specs (not exported from index.ts).
import type { EntityType } from './entities';
import { mask } from './mask';

/** What a caller sees with all 40 types on `replace` (for tests). */
export function masked(text: string): string {
  return mask(text, { entities: {}, defaultRule: { strategy: 'replace' } }).text;
}

/** What a policy that masks only these types with `replace` leaves (for tests). */
export function maskedOnly(text: string, ...types: EntityType[]): string {
  return mask(text, {
    entities: Object.fromEntries(types.map((t) => [t, { strategy: 'replace' as const }])),
  }).text;
}

function elapsedMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * How much more than linearly `run`'s time grows from `small` to `large` (for tests): one run
 * over `large` against as many runs over `small` as make up its length, timed back to back, so a
 * noisy neighbour slows both sides of a pair alike. Linear is about 1, quadratic about
 * large/small (10 for 100 KB against 1 MB). The best of up to three pairs: noise only slows.
 */
export function growthOverLinear(
  run: (text: string) => void,
  small: string,
  large: string,
): number {
  const times = Math.max(1, Math.round(large.length / small.length));
  run(small); // warm-up
  let best = Infinity;
  for (let pair = 0; pair < 3 && best >= 2; pair++) {
    const linear = elapsedMs(() => {
      for (let k = 0; k < times; k++) run(small);
    });
    best = Math.min(best, elapsedMs(() => run(large)) / Math.max(linear, 0.1));
  }
  return best;
}
