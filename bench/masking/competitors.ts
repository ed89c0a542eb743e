import { ENTITY_TYPES, mask } from '@embargo/masking';
// redact-pii ships CommonJS typings; @redactpii/node exposes a CJS build as well.
import { SyncRedactor } from 'redact-pii';
import { Redactor } from '@redactpii/node';

export interface Library {
  readonly name: string;
  readonly redact: (text: string) => string;
}

// The full entity set: every recognizer runs, as it does for a policy that masks everything.
const allReplace = Object.fromEntries(
  ENTITY_TYPES.map((t) => [t, { strategy: 'replace' as const }]),
);
export const EMBARGO_ENTITY_COUNT = Object.keys(allReplace).length;

export function competitors(): Library[] {
  const rp = new SyncRedactor();
  const rpn = new Redactor();
  return [
    { name: 'embargo', redact: (t) => mask(t, { entities: allReplace }).text },
    { name: 'redact-pii', redact: (t) => rp.redact(t) },
    { name: '@redactpii/node', redact: (t) => rpn.redact(t) },
  ];
}
