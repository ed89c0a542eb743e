import type { BundleMessage } from '@embargo/contracts';
import { Metrics, Readiness } from '@embargo/observability';
import { createBundle } from '@embargo/policy';
import pino from 'pino';
import { BundleStore } from './bundle.store';

const POLICY = `version: 1
roles: { indexer: { match: { subject: svc-a }, models: [m1] } }
rules: [{ id: allow-all, when: 'true', allow: true }]
`;

function bundle(version: number, content = POLICY): BundleMessage {
  return {
    ...createBundle([{ path: 'base.yaml', content }], version),
    policySet: 'default',
    createdBy: 'test',
    // The store takes what the consumer verified; the signature is not its concern.
    signature: { alg: 'Ed25519', kid: 'p1', value: 'A'.repeat(86) },
  };
}

describe('BundleStore', () => {
  const store = () => {
    const s = new BundleStore(
      pino({ enabled: false }),
      new Readiness(),
      new Metrics('bundle-test'),
    );
    s.markLoaded();
    return s;
  };

  it('decides with the newest bundle, and ignores older ones that arrive later', () => {
    const s = store();
    expect(s.offer(bundle(2))).toBe(true);
    expect(s.offer(bundle(1))).toBe(false);
    expect(s.current().version).toBe(2);
  });

  it('refuses requests while the newest bundle cannot be used, rather than decide with an older one', () => {
    const s = store();
    s.offer(bundle(1));
    // A bundle whose files do not match its hash (altered, or from a newer release).
    const altered = { ...bundle(2), files: [{ path: 'base.yaml', content: `${POLICY}# x\n` }] };
    expect(s.offer(altered)).toBe(false);
    expect(() => s.current()).toThrow(/cannot use the newest policy bundle \(version 2\)/);
    expect(s.offer(bundle(3))).toBe(true);
    expect(s.current().version).toBe(3);
  });
});
