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
