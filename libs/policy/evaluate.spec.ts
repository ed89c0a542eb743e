import {
  modelGrants,
  defaultMaskPlan,
  evaluate,
  needsFindings,
  simulate,
  STRATEGY_ORDER,
  type Decision,
  type EvaluationInput,
} from '@embargo/policy';
import { compileOrThrow, input } from './testing';

const policy = compileOrThrow(
  `
version: 1
defaults:
  mask:
    entities: { AWS_ACCESS_KEY: redact, EMAIL_ADDRESS: keep_last }
    thresholds: { EMAIL_ADDRESS: 0.5 }
    denyList: { PERSON: [Project Falcon] }
roles:
  service:
    match: { issuer: https://idp, subject: "svc-*" }
    models: [m1, m2]
    limits: { maxBatchSize: 100, rateLimit: { requestsPerMinute: 60 } }
  analyst:
    match: { groups: analysts }
    models: [m1]
    connections: [primary]
`,
  `
version: 1
rules:
  - id: allow-unblocked
    when: '!("blocked" in principal.groups)'
    allow: true
  - id: gold-tier
    priority: 10
    when: has(principal.claims.tier) && principal.claims.tier == "gold"
    allow: { maxBatchSize: 500, rateLimit: { requestsPerMinute: 600 }, cache: false }
  - id: deny-night
    priority: 100
    when: request.hour < 6
    deny: { reason: No embedding at night. }
  - id: deny-ssn
    priority: 90
    when: findings.US_SSN > 0
    deny: { reason: Social security numbers are never embedded. }
  - id: hold-ssn
    priority: 95
    when: findings.US_SSN > 0
    require_approval: { approvers: [privacy], ttl: 15m }
  - id: hold-cards
    priority: 50
    when: findings.CREDIT_CARD > 5
    require_approval: { approvers: [privacy, security], approvals: 2, ttl: 15m, grantTtl: 1h }
  - id: hold-cards-strict
    priority: 40
    when: findings.CREDIT_CARD > 50
    require_approval: { approvers: [ciso], ttl: 5m }
  - id: mask-email-replace
    priority: 20
    when: findings.EMAIL_ADDRESS > 0
    mask: { entities: { EMAIL_ADDRESS: replace, PHONE_NUMBER: fake } }
  - id: mask-analyst
    priority: 30
    when: '"analyst" in principal.roles'
    mask: { entities: { PHONE_NUMBER: { strategy: keep_last, n: 2 }, CREDIT_CARD: hash } }
`,
);

interface Row {
  name: string;
  input: EvaluationInput;
  effect: Decision['effect'];
  rules: string[];
  check?: (d: Decision) => void;
}

const analyst = { id: 'ann', subject: 'ann', groups: ['analysts'] };

const rows: Row[] = [
  {
    name: 'role grants the model and a rule allows: allow with default masking',
    input: input(),
    effect: 'mask',
    rules: ['allow-unblocked'],
    check: (d) =>
      expect(d.mask).toEqual({
        entities: {
          AWS_ACCESS_KEY: { strategy: 'redact' },
          EMAIL_ADDRESS: { strategy: 'keep_last', n: 4 },
        },
        thresholds: { EMAIL_ADDRESS: 0.5 },
        denyList: { PERSON: ['Project Falcon'] },
      }),
  },
  {
    name: 'no role matches: denied',
    input: input({ id: 'x', subject: 'stranger' }),
    effect: 'deny',
    rules: [],
    check: (d) =>
      expect(d).toMatchObject({
        denyCode: 'no_role',
        reason: "no role in the policy matches principal 'x'",
      }),
  },
  {
    name: 'model not granted by any role: denied even though a rule allows',
    input: input({}, { model: 'm3' }),
    effect: 'deny',
    rules: [],
    check: (d) =>
      expect(d).toMatchObject({
        denyCode: 'not_granted',
        reason: "model 'm3' is not granted to your roles (service)",
      }),
  },
  {
    name: 'role limited to a connection: other connection denied',
    input: input(analyst, { connection: 'backup' }),
    effect: 'deny',
    rules: [],
    check: (d) => expect(d.denyCode).toBe('not_granted'),
  },
  {
    name: 'no allow rule matches: default deny',
    input: input({ groups: ['blocked'] }),
    effect: 'deny',
    rules: [],
    check: (d) =>
      expect(d).toMatchObject({
        denyCode: 'no_allow_rule',
        reason: "no rule allows principal 'svc-a' to use model 'm1'",
      }),
  },
  {
    name: 'deny overrides allow',
    input: input({}, { time: '2025-01-06T03:00:00Z' }),
    effect: 'deny',
    rules: ['deny-night'],
    check: (d) =>
      expect(d).toMatchObject({
        reason: 'No embedding at night.',
        denyCode: 'rule_denied',
        cache: false,
      }),
  },
  {
    name: 'deny overrides require_approval; all matching denies listed by priority',
    input: input({}, { time: '2025-01-06T03:00:00Z' }, { US_SSN: 1 }),
    effect: 'deny',
    rules: ['deny-night', 'deny-ssn'],
  },
  {
    name: 'require_approval overrides mask and allow, keeps the mask for after approval',
    input: input({}, {}, { CREDIT_CARD: 6, EMAIL_ADDRESS: 1 }),
    effect: 'require_approval',
    rules: ['hold-cards'],
    check: (d) => {
      expect(d.approval).toEqual({
        ruleId: 'hold-cards',
        approverGroups: ['privacy', 'security'],
        approvals: 2,
        ttl: '15m',
        ttlSeconds: 900,
        grantTtl: '1h',
        grantTtlSeconds: 3600,
      });
      expect(d.mask?.entities.EMAIL_ADDRESS).toEqual({ strategy: 'replace' });
    },
  },
  {
    name: 'several approval rules: the highest priority one sets the terms',
    input: input({}, {}, { CREDIT_CARD: 60 }),
    effect: 'require_approval',
    rules: ['hold-cards', 'hold-cards-strict'],
    check: (d) => expect(d.approval?.ruleId).toBe('hold-cards'),
  },
  {
    name: 'an active grant satisfies the approval rule',
    input: { ...input({}, {}, { CREDIT_CARD: 6 }), activeGrants: ['hold-cards'] },
    effect: 'mask',
    rules: ['allow-unblocked'],
    check: (d) => expect(d.grantedBy).toEqual(['hold-cards']),
  },
  {
    name: 'a grant for one approval rule does not satisfy another',
    input: { ...input({}, {}, { CREDIT_CARD: 60 }), activeGrants: ['hold-cards'] },
    effect: 'require_approval',
    rules: ['hold-cards-strict'],
    check: (d) =>
      expect(d.approval).toMatchObject({
        ruleId: 'hold-cards-strict',
        approverGroups: ['ciso'],
        approvals: 1,
      }),
  },
  {
    name: 'masks combine: union of types, stronger strategy wins (replace > keep_last, fake > keep_last 2)',
    input: input(analyst, { connection: 'primary' }, { EMAIL_ADDRESS: 3 }),
    effect: 'mask',
    rules: ['mask-analyst', 'mask-email-replace', 'allow-unblocked'],
    check: (d) =>
      expect(d.mask?.entities).toEqual({
        AWS_ACCESS_KEY: { strategy: 'redact' },
        EMAIL_ADDRESS: { strategy: 'replace' },
        PHONE_NUMBER: { strategy: 'fake' },
        CREDIT_CARD: { strategy: 'hash' },
      }),
  },
  {
    name: 'role limits apply and exceeding the batch size is denied',
    input: input({}, { inputCount: 101 }),
    effect: 'deny',
    rules: [],
    check: (d) =>
      expect(d).toMatchObject({
        denyCode: 'limit_exceeded',
        reason: 'batch of 101 inputs exceeds the limit of 100',
      }),
  },
  {
    name: 'an allow rule overrides role limits and cache',
    input: input({ claims: { tier: 'gold' } }, { inputCount: 400 }),
    effect: 'mask',
    rules: ['gold-tier', 'allow-unblocked'],
    check: (d) =>
      expect(d).toMatchObject({
        limits: { maxBatchSize: 500, rateLimit: { requestsPerMinute: 600 } },
        cache: false,
      }),
  },
  {
    name: 'the policy roles are added to the token roles',
    input: input({ roles: ['from-token'] }),
    effect: 'mask',
    rules: ['allow-unblocked'],
    check: (d) => expect(d.roles).toEqual(['from-token', 'service']),
  },
];

describe('evaluate: combining effects', () => {
  test.each(rows)('$name', ({ input: i, effect, rules, check }) => {
    const d = evaluate(policy, i);
    expect(d.effect).toBe(effect);
    expect(d.ruleIds).toEqual(rules);
    check?.(d);
  });

  it('hands every request matching the same mask rules one shared, frozen plan', () => {
    const first = evaluate(policy, input(analyst, { connection: 'primary' }, { EMAIL_ADDRESS: 3 }));
    const again = evaluate(policy, input(analyst, { connection: 'primary' }, { EMAIL_ADDRESS: 1 }));
    const defaultsOnly = evaluate(policy, input());
    expect(again.mask).toBe(first.mask);
    expect(defaultsOnly.mask).not.toBe(first.mask);
    expect(defaultsOnly.mask?.entities).toEqual({
      AWS_ACCESS_KEY: { strategy: 'redact' },
      EMAIL_ADDRESS: { strategy: 'keep_last', n: 4 },
    });
    expect(Object.isFrozen(first.mask)).toBe(true);
    expect(() => {
      (first.mask as { entities: Record<string, unknown> }).entities.PERSON = {
        strategy: 'redact',
      };
    }).toThrow(TypeError);
    expect(evaluate(policy, input()).mask).toBe(defaultsOnly.mask);
  });

  it('documents the strategy order used to pick the stronger mask', () => {
    expect(STRATEGY_ORDER).toEqual(['redact', 'replace', 'hash', 'tokenize', 'fake', 'keep_last']);
  });

  it('names the bundle version and hash in every decision', () => {
    const d = evaluate(policy, input());
    expect(d.bundleHash).toBe(policy.hash);
    expect(d.bundleHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.bundleVersion).toBe(0);
  });

  it('defaults to the current time when the request has none', () => {
    const night = compileOrThrow(`
version: 1
roles: { r: { match: { subject: svc-a }, models: [m1] } }
rules:
  - { id: allow, allow: true }
  - { id: same-hour, when: 'request.hour == ${new Date().getUTCHours()} || request.hour == ${(new Date().getUTCHours() + 1) % 24}', deny: { reason: now } }
`);
    expect(evaluate(night, input({}, { time: undefined })).effect).toBe('deny');
  });
});

describe('evaluate: rules indexed by model', () => {
  // Model-restricted rules interleaved in priority with unrestricted ones: the per-model
  // candidate list must keep priority order, which simulate (every rule, no index) shows.
  const indexed = compileOrThrow(`
version: 1
roles:
  svc: { match: { subject: svc-a }, models: ['*'] }
rules:
  - { id: deny-banned, priority: 9, when: '"banned" in principal.groups', deny: { reason: banned } }
  - { id: m1-small, priority: 7, allow: { models: [m1], maxBatchSize: 8 } }
  - { id: mask-all, priority: 5, mask: { entities: { EMAIL_ADDRESS: redact } } }
  - { id: m1-m2, priority: 3, allow: { models: [m1, m2, m1], maxBatchSize: 64 } }
  - { id: m2-hash, priority: 1, when: 'request.model == "m2"', mask: { entities: { EMAIL_ADDRESS: hash } } }
  - { id: all-late, priority: 0, allow: { models: ['m*'] } }
`);
  test.each(
    ['m1', 'm2', 'm3', 'other'].flatMap((model) => [
      [model, []],
      [model, ['banned']],
    ]),
  )('model %s, groups %j: the same decision as evaluating every rule', (model, groups) => {
    const i = input({ groups }, { model }, { EMAIL_ADDRESS: 1 });
    expect(evaluate(indexed, i)).toEqual(simulate(indexed, i).decision);
  });
});

describe('simulate', () => {
  it('explains each rule and role', () => {
    const s = simulate(policy, input({}, {}, { CREDIT_CARD: 6 }));
    expect(s.decision.effect).toBe('require_approval');
    const outcome = Object.fromEntries(s.rules.map((r) => [r.ruleId, r.outcome]));
    expect(outcome).toEqual({
      'deny-night': 'not_matched',
      'hold-ssn': 'not_matched',
      'deny-ssn': 'not_matched',
      'hold-cards': 'matched',
      'hold-cards-strict': 'not_matched',
      'mask-analyst': 'not_matched',
      'mask-email-replace': 'not_matched',
      'gold-tier': 'not_matched',
      'allow-unblocked': 'matched',
    });
    expect(s.rules.map((r) => r.ruleId)[0]).toBe('deny-night');
    expect(s.roles).toEqual([
      { role: 'service', matched: true, grantsModel: true },
      { role: 'analyst', matched: false, grantsModel: false },
    ]);
  });

  it('gives the same decision as evaluate', () => {
    const i = input(analyst, { connection: 'primary' }, { EMAIL_ADDRESS: 2 });
    expect(simulate(policy, i).decision).toEqual(evaluate(policy, i));
  });
});

describe('defaultMaskPlan', () => {
  it('returns the set-wide masking, or nothing when the set has none', () => {
    expect(defaultMaskPlan(policy)).toEqual({
      entities: {
        AWS_ACCESS_KEY: { strategy: 'redact' },
        EMAIL_ADDRESS: { strategy: 'keep_last', n: 4 },
      },
      thresholds: { EMAIL_ADDRESS: 0.5 },
      denyList: { PERSON: ['Project Falcon'] },
    });
    const bare = compileOrThrow('version: 1\nrules: [{ id: a, allow: true }]\n');
    expect(defaultMaskPlan(bare)).toBeUndefined();
  });
});

describe('modelGrants and needsFindings', () => {
  const granted = (p: Parameters<typeof input>[0], connection?: string) => {
    const grants = modelGrants(policy, input(p).principal);
    return ['m1', 'm2', 'm3'].filter((m) => grants(m, connection));
  };

  it('grants the models of the roles the principal holds', () => {
    expect(granted(undefined, 'primary')).toEqual(['m1', 'm2']);
    expect(granted(undefined, undefined)).toEqual(['m1', 'm2']);
    expect(granted({ subject: 'nobody' }, 'primary')).toEqual([]);
  });

  it("grants a role's models only through the connections it names, as a request's decision does", () => {
    expect(granted(analyst, 'primary')).toEqual(['m1']);
    expect(granted(analyst, 'backup')).toEqual([]);
    // No route serves the model: the connection is unknown, and the limited role grants nothing.
    expect(granted(analyst, undefined)).toEqual([]);
    expect(evaluate(policy, input(analyst, { connection: 'backup' })).effect).toBe('deny');
  });

  it('reports whether detection is needed', () => {
    expect(needsFindings(policy)).toBe(true);
    const noFindings = compileOrThrow(`
version: 1
roles: { r: { match: { subject: svc-a }, models: [m1] } }
rules: [{ id: a, when: 'request.input_count < 10', allow: true }]
`);
    expect(needsFindings(noFindings)).toBe(false);
  });
});
