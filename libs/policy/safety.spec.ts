import {
  compilePolicy,
  evaluate,
  MAX_BUNDLE_COST,
  MAX_DEPTH,
  MAX_LIST,
  MAX_NESTING,
  MAX_NODES,
  MAX_RULE_COST,
  type EvaluationInput,
} from '@embargo/policy';
import { compileOrThrow, input } from './testing';

const ROLES = `
version: 1
roles:
  svc: { match: { subject: svc-a }, models: [m1, m2] }
`;

function policyWith(rules: string) {
  return compileOrThrow(ROLES, `version: 1\nrules:\n${rules}`);
}

describe('fail closed: a rule whose condition errors', () => {
  const policy = policyWith(`
  - { id: allow, allow: true }
  - id: deny-contractors
    when: principal.claims.employment == "contractor"
    deny: { reason: Contractors may not embed. }
`);

  it('applies when it is a deny rule (missing claim)', () => {
    const d = evaluate(policy, input());
    expect(d).toMatchObject({
      effect: 'deny',
      ruleIds: ['deny-contractors'],
      reason: 'Contractors may not embed.',
    });
    expect(d.errors).toEqual([
      { ruleId: 'deny-contractors', message: expect.stringContaining('employment') },
    ]);
  });

  it('does not apply once the claim is present and differs', () => {
    expect(evaluate(policy, input({ claims: { employment: 'staff' } })).effect).toBe('allow');
  });

  it('is avoided with has()', () => {
    const guarded = policyWith(`
  - { id: allow, allow: true }
  - id: deny-contractors
    when: has(principal.claims.employment) && principal.claims.employment == "contractor"
    deny: { reason: Contractors may not embed. }
`);
    expect(evaluate(guarded, input()).effect).toBe('allow');
    expect(evaluate(guarded, input({ claims: { employment: 'contractor' } })).effect).toBe('deny');
  });

  it('does not apply when it is an allow rule', () => {
    const p = policyWith(`
  - { id: allow-gold, when: 'principal.claims.tier == "gold"', allow: true }
`);
    const d = evaluate(p, input());
    expect(d).toMatchObject({ effect: 'deny', denyCode: 'no_allow_rule' });
    expect(d.errors?.map((e) => e.ruleId)).toEqual(['allow-gold']);
  });

  it('applies its mask and its approval hold', () => {
    const p = policyWith(`
  - { id: allow, allow: true }
  - { id: mask-odd, when: 'principal.claims.region == "eu"', mask: { entities: { EMAIL_ADDRESS: redact } } }
  - { id: hold-odd, when: 'principal.claims.level > 2', require_approval: { approvers: [sec], ttl: 10m } }
`);
    const d = evaluate(p, input());
    expect(d.effect).toBe('require_approval');
    expect(d.mask?.entities).toEqual({ EMAIL_ADDRESS: { strategy: 'redact' } });
    expect(d.errors?.map((e) => e.ruleId).sort()).toEqual(['hold-odd', 'mask-odd']);
  });

  it('treats a runtime error such as division by zero the same way', () => {
    const p = policyWith(`
  - { id: allow, allow: true }
  - { id: ratio, when: 'request.token_count / request.input_count > 1000', deny: { reason: Inputs too long. } }
`);
    expect(evaluate(p, input({}, { inputCount: 0 })).effect).toBe('deny');
    expect(evaluate(p, input({}, { inputCount: 1, tokenCount: 10 })).effect).toBe('allow');
  });

  it('treats a wrongly typed claim as an error, not as false', () => {
    const p = policyWith(`
  - { id: allow, allow: true }
  - { id: high-level, when: 'principal.claims.level > 2', deny: { reason: too high } }
`);
    expect(evaluate(p, input({ claims: { level: 3 } })).effect).toBe('deny');
    expect(evaluate(p, input({ claims: { level: 1 } })).effect).toBe('allow');
    // "3" > 2 has no overload in CEL: the rule errors and, being a deny, applies.
    const d = evaluate(p, input({ claims: { level: '3' } }));
    expect(d.effect).toBe('deny');
    expect(d.errors?.[0].message).toMatch(/no matching overload/);
  });
});

describe('findings', () => {
  const policy = policyWith(`
  - { id: allow, allow: true }
  - { id: many-cards, when: findings.CREDIT_CARD > 5, deny: { reason: cards } }
  - { id: no-ssn, when: 'findings["US_SSN"] == 0 && request.model == "m2"', deny: { reason: m2 only with SSNs } }
  - { id: dynamic, when: 'has(principal.claims.watch) && findings[principal.claims.watch] > 0', deny: { reason: watched } }
`);

  it('reads types missing from the findings as 0', () => {
    expect(evaluate(policy, input({}, {}, {})).effect).toBe('allow');
    expect(evaluate(policy, input()).effect).toBe('allow');
    expect(evaluate(policy, input({}, { model: 'm2' })).ruleIds).toEqual(['no-ssn']);
    expect(evaluate(policy, input({}, {}, { CREDIT_CARD: 6 })).ruleIds).toEqual(['many-cards']);
  });

  it('fails closed on a dynamic lookup of a type that is absent', () => {
    expect(evaluate(policy, input({ claims: { watch: 'IBAN_CODE' } })).ruleIds).toEqual([
      'dynamic',
    ]);
    expect(
      evaluate(policy, input({ claims: { watch: 'IBAN_CODE' } }, {}, { IBAN_CODE: 0 })).effect,
    ).toBe('allow');
  });
});

describe('hostile or malformed input', () => {
  const policy = policyWith(`
  - { id: allow, allow: true }
  - id: note
    when: has(principal.claims.note) && principal.claims.note.contains("forbidden")
    deny: { reason: forbidden note }
  - id: group-prefix
    when: principal.groups.exists(g, g.startsWith("banned-"))
    deny: { reason: banned group }
`);

  it('evaluates very long claim strings and group lists', () => {
    const long = 'x'.repeat(1_000_000);
    expect(evaluate(policy, input({ claims: { note: long } })).effect).toBe('allow');
    expect(evaluate(policy, input({ claims: { note: `${long}forbidden` } })).effect).toBe('deny');
    const groups = Array.from({ length: MAX_LIST - 1 }, (_, i) => `group-${i}`);
    expect(evaluate(policy, input({ groups })).effect).toBe('allow');
    expect(evaluate(policy, input({ groups: [...groups, 'banned-x'] })).effect).toBe('deny');
  });

  it('refuses a principal with more groups than a condition iterating them was costed for', () => {
    const groups = Array.from({ length: MAX_LIST + 1 }, (_, i) => `group-${i}`);
    expect(evaluate(policy, input({ groups }))).toMatchObject({
      effect: 'deny',
      denyCode: 'invalid_input',
      reason: `invalid request: principal has more than ${MAX_LIST} groups`,
    });
    // A policy that only tests membership natively has no such bound.
    const plain = policyWith(`
  - { id: allow, allow: true }
  - { id: banned, when: '"banned" in principal.groups', deny: { reason: banned } }
`);
    expect(evaluate(plain, input({ groups: [...groups, 'banned'] })).ruleIds).toEqual(['banned']);
    expect(evaluate(plain, input({ groups })).effect).toBe('allow');
  });

  it('counts the policy roles a principal matches with the roles of its token', () => {
    const p = policyWith(`
  - { id: allow, allow: true }
  - { id: ops, when: 'principal.roles.exists(r, r.startsWith("ops-"))', deny: { reason: ops } }
`);
    const roles = Array.from({ length: MAX_LIST }, (_, i) => `role-${i}`);
    // The token's 1 000 roles plus the policy role svc.
    expect(evaluate(p, input({ roles }))).toMatchObject({
      denyCode: 'invalid_input',
      reason: `invalid request: principal has more than ${MAX_LIST} roles`,
    });
    expect(evaluate(p, input({ roles: roles.slice(1) })).effect).toBe('allow');
  });

  it('reads a claim array longer than the bound as null, which fails closed', () => {
    const p = policyWith(`
  - { id: allow, allow: true }
  - id: banned
    when: has(principal.claims.teams) && principal.claims.teams.exists(t, t == "banned")
    deny: { reason: banned team }
`);
    const teams = Array.from({ length: MAX_LIST + 1 }, (_, i) => `team-${i}`);
    expect(evaluate(p, input({ claims: { teams: teams.slice(1) } })).effect).toBe('allow');
    expect(evaluate(p, input({ claims: { teams } })).ruleIds).toEqual(['banned']);
  });

  it('survives deeply nested claims', () => {
    let nested: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 5000; i++) nested = { n: nested };
    expect(evaluate(policy, input({ claims: { deep: nested } })).effect).toBe('allow');
  });

  it('does not match claims through the object prototype', () => {
    const p = compileOrThrow(`
version: 1
roles:
  odd: { match: { claims: { constructor: Object } }, models: [m1] }
rules: [{ id: allow, allow: true }]
`);
    expect(evaluate(p, input()).denyCode).toBe('no_role');
  });

  it.each<[string, (i: EvaluationInput) => void]>([
    ['missing model', (i) => void (i.request.model = '')],
    ['negative input count', (i) => void (i.request.inputCount = -1)],
    ['NaN token count', (i) => void (i.request.tokenCount = Number.NaN)],
    ['unparseable time', (i) => void (i.request.time = 'yesterday')],
    ['negative finding count', (i) => void (i.findings = { EMAIL_ADDRESS: -3 })],
    [
      'principal without issuer',
      (i) => void ((i.principal as unknown as Record<string, unknown>).issuer = undefined),
    ],
  ])('denies invalid input (%s) without throwing', (_name, spoil) => {
    const i = input();
    spoil(i);
    expect(evaluate(policy, i)).toMatchObject({
      effect: 'deny',
      denyCode: 'invalid_input',
      reason: expect.stringMatching(/^invalid request: /),
    });
  });

  it('rejects deeply nested expressions at compile time instead of crashing', () => {
    const when = `${'('.repeat(1500)}true${')'.repeat(1500)}`;
    const result = compilePolicy([
      {
        path: 'p.yaml',
        content: `${ROLES}rules:\n  - { id: deep, when: '${when}', allow: true }\n`,
      },
    ]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        ruleId: 'deep',
        message: `expression nests 1500 brackets and ternaries; the limit is ${MAX_NESTING}`,
      }),
    ]);
  });
});

describe('a claim whose value is null', () => {
  // Natively a null claim was present, through CEL absent: a deny on has() held alone and
  // was escaped by sending the claim as null once the condition needed CEL.
  const deny = (when: string) =>
    policyWith(`
  - { id: allow, allow: true }
  - { id: no-act, when: '${when}', deny: { reason: delegated tokens are refused } }
`);
  it.each([
    'has(principal.claims.act)',
    'has(principal.claims.act) || request.token_count > 1000000',
    '!(!has(principal.claims.act))',
    '"act" in principal.claims',
    'principal.claims.act == null',
  ])('is present to %s, natively and through CEL alike', (when) => {
    const d = evaluate(deny(when), input({ claims: { act: null } }));
    expect(d).toMatchObject({ effect: 'deny', ruleIds: ['no-act'] });
    expect(d.errors).toBeUndefined();
    expect(evaluate(deny(when), input({ claims: {} })).effect).toBe(
      when.endsWith('== null') ? 'deny' : 'allow',
    );
  });

  it('is present in a nested claim too', () => {
    const d = evaluate(
      deny('has(principal.claims.ctx.act)'),
      input({ claims: { ctx: { act: null } } }),
    );
    expect(d.ruleIds).toEqual(['no-act']);
  });
});

/** Runs f with `frames` extra frames on the stack, as a caller deep in its own work would. */
function withFrames<T>(frames: number, f: () => T): T {
  return frames === 0 ? f() : withFrames(frames - 1, f);
}

describe('expression limits do not depend on the stack', () => {
  // Acceptance used to be whatever fitted the stack: a 1377-term sum compiled in a warm
  // process and failed in a cold one, and an ingress that cannot compile the newest bundle
  // refuses every request.
  const sum = (terms: number) => `${Array.from({ length: terms }, () => '1').join('+')} > 0`;
  const compileWhen = (when: string) =>
    compilePolicy([
      {
        path: 'p.yaml',
        content: `${ROLES}rules:\n  - id: r\n    when: '${when}'\n    allow: true\n`,
      },
    ]);

  it.each([0, 1000, 5000])('refuses a 1377-term sum alike with %i frames in use', (frames) => {
    const result = withFrames(frames, () => compileWhen(sum(1377)));
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        file: 'p.yaml',
        line: 7,
        ruleId: 'r',
        message: expect.stringContaining(`nested more than ${MAX_DEPTH} levels deep`),
      }),
    ]);
  });

  it('compiles and evaluates expressions at every limit with most of the stack in use', () => {
    const atLimits = [
      sum(MAX_DEPTH - 3),
      `${'('.repeat(MAX_NESTING)}true${')'.repeat(MAX_NESTING)}`,
      `${'['.repeat(MAX_NESTING - 1)}1${']'.repeat(MAX_NESTING - 1)} != []`,
      `${'string(size('.repeat(MAX_NESTING / 2)}"a"${'))'.repeat(MAX_NESTING / 2)} != ""`,
      `${'false ? false : '.repeat(MAX_NESTING)}true`,
      Array.from({ length: 150 }, (_, i) => `request.model == "m${i}"`).join(' || '),
    ];
    for (const when of atLimits) {
      expect(compileWhen(when).ok).toBe(true);
      const result = withFrames(5000, () => compileWhen(when));
      if (!result.ok) throw new Error(`${when.slice(0, 40)}: ${result.errors[0].message}`);
      const d = withFrames(5000, () => evaluate(result.policy, input()));
      expect(d.errors).toBeUndefined();
    }
  });

  it('counts brackets inside strings and comments as text', () => {
    expect(compileWhen(`principal.subject != "${'('.repeat(100)}"`).ok).toBe(true);
  });

  it('refuses an expression with more than the node limit', () => {
    const result = compileWhen(`[${Array(MAX_NODES).fill('1').join(',')}] != []`);
    expect(!result.ok && result.errors[0].message).toBe(
      `expression has more than ${MAX_NODES} parts; split it across rules`,
    );
  });
});

describe('evaluation cost is bounded at compile time', () => {
  const compileWhen = (...whens: string[]) =>
    compilePolicy([
      {
        path: 'p.yaml',
        content: `${ROLES}rules:\n${whens
          .map((w, i) => `  - id: r${i}\n    when: '${w}'\n    deny: { reason: x }\n`)
          .join('')}`,
      },
    ]);
  const groups = Array.from({ length: MAX_LIST }, (_, i) => `group-${i}`);

  it('accepts a pattern match over every group and runs it without recompiling the pattern', () => {
    const result = compileWhen('principal.groups.exists(g, g.matches("^admin-[0-9]+$"))');
    if (!result.ok) throw new Error(result.errors[0].message);
    const i = input({ groups });
    evaluate(result.policy, i);
    const started = performance.now();
    for (let n = 0; n < 5; n++) expect(evaluate(result.policy, i).effect).toBe('deny');
    // Compiling the pattern for each of the 1000 groups took several milliseconds.
    expect((performance.now() - started) / 5).toBeLessThan(50);
  });

  it.each([
    [
      '20 pattern matches over the groups',
      Array.from(
        { length: 20 },
        (_, i) => `principal.groups.exists(g, g.matches("^adm${i}$"))`,
      ).join(' || '),
    ],
    ['a map over a claim array', 'size(principal.claims.list.map(x, x + x)) > 0'],
    ['in a list inside exists', 'principal.groups.exists(g, g + "x" in principal.groups)'],
    ['in a list inside all', 'principal.claims.list.all(x, !(x in principal.groups))'],
    [
      'contains on a claim inside exists',
      'principal.groups.exists(g, principal.claims.s.contains(g))',
    ],
    ['exists over a claim split into a list', 'principal.claims.s.split(",").exists(x, x == "a")'],
    // 680 ms with a 64 KiB claim and 1 000 groups: size() copies the string each time.
    ['size of a claim inside exists', 'principal.groups.exists(g, size(principal.claims.s) == 3)'],
    [
      'comparing claim lists inside all',
      'principal.groups.all(g, principal.claims.a != principal.claims.b)',
    ],
  ])('refuses %s with the cost and the limit', (_name, when) => {
    const result = compileWhen(when);
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        ruleId: 'r0',
        message: expect.stringMatching(
          new RegExp(
            `^condition may take \\d+ steps per evaluation; the limit is ${MAX_RULE_COST} `,
          ),
        ),
      }),
    ]);
  });

  it('refuses a set whose rules together exceed the bundle budget, naming the costliest', () => {
    const cheap = 'principal.groups.exists(g, g == "x")';
    const costly = 'principal.groups.exists(g, g.startsWith("a") || g.endsWith("b") || g == "c")';
    const result = compileWhen(
      ...Array<string>(20).fill(cheap),
      costly,
      ...Array<string>(20).fill(cheap),
    );
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        ruleId: 'r20',
        message: expect.stringMatching(
          new RegExp(
            `^the conditions of the set may take \\d+ steps per request; the limit is ${MAX_BUNDLE_COST} `,
          ),
        ),
      }),
    ]);
  });
});

describe('globs against caller-controlled strings', () => {
  // Subjects and groups come from identity tokens (a CI subject holds a branch name any
  // contributor picks) and the model from the request body. As backtracking `.*` regexes,
  // a failed match of these globs took seconds, during which the ingress answered nobody.
  const policy = compileOrThrow(`
version: 1
roles:
  colons: { match: { subject: "*:*:*:*x" }, models: ["*"] }
  dashes: { match: { groups: "*-*-*-*-*-*-prod" }, models: ["*"] }
rules:
  - { id: prod-models, allow: { models: ["*-*-*-*-*-*-prod"] } }
`);
  const colons = ':'.repeat(300);
  const dashes = '-'.repeat(100);

  it('decide adversarial subjects, groups and models correctly and without stalling', () => {
    const started = performance.now();
    expect(evaluate(policy, input({ subject: colons })).denyCode).toBe('no_role');
    expect(evaluate(policy, input({ groups: [dashes] })).denyCode).toBe('no_role');
    expect(evaluate(policy, input({ subject: `${colons}x` }, { model: dashes })).denyCode).toBe(
      'no_allow_rule',
    );
    expect(
      evaluate(policy, input({ groups: [`${dashes}prod`] }, { model: 'a-b-c-d-e-f-prod' })),
    ).toMatchObject({ effect: 'allow', roles: ['dashes'] });
    // Loose on purpose: the matcher needs microseconds here, the regexes needed seconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('native fast path', () => {
  // Simple conjuncts are evaluated in JS instead of CEL; both must always agree.
  const rules = `
  - { id: allow-small, when: 'request.input_count <= 50 && request.model in ["m1", "m2"]', allow: true }
  - { id: allow-ops, when: '"ops" in principal.groups && 3 < request.token_count', allow: { maxBatchSize: 1000 } }
  - { id: deny-night, when: 'request.hour < 6 && request.weekday != 0', deny: { reason: night } }
  - { id: hold, when: 'findings.CREDIT_CARD >= 3 && principal.subject != "svc-b"', require_approval: { approvers: [x], ttl: 1m } }
  - { id: mask, when: '5 > findings["EMAIL_ADDRESS"] && request.connection == "c1"', mask: { entities: { EMAIL_ADDRESS: hash } } }
  - { id: deny-m2-big, when: 'request.model == "m2" && request.byte_size > 1000 && "svc" in principal.roles', deny: { reason: big } }
  - { id: deny-env, when: 'has(principal.claims.env) && principal.claims.env in ["dev", "test"] && request.model == "m2"', deny: { reason: env } }
  - { id: hold-team, when: 'principal.claims.team != "core" && findings.EMAIL_ADDRESS > 6', require_approval: { approvers: [x], ttl: 1m } }
  - { id: allow-core, when: 'principal.claims.team == "core" && request.input_count < 100', allow: true }
`;
  const claimSets: Record<string, unknown>[] = [
    {},
    { env: 'dev' },
    { env: 3 },
    { team: 'core' },
    { team: 'x', env: 'prod' },
    { env: undefined, team: ['core'] },
    { env: null },
    { team: null, env: 'dev' },
  ];
  const files = [
    { path: 'roles.yaml', content: ROLES },
    { path: 'rules.yaml', content: `version: 1\nrules:\n${rules}` },
  ];
  const fast = compilePolicy(files);
  const slow = compilePolicy(files, { nativeAtoms: false });

  it('decides exactly like CEL on varied requests', () => {
    if (!fast.ok || !slow.ok) throw new Error('policies should compile');
    // Every conjunct above has a native form, and with nativeAtoms off none is used.
    expect(
      fast.policy.internal.rules.filter((r) => r.residual.length > 0).map((r) => r.id),
    ).toEqual([]);
    expect(slow.policy.internal.rules.filter((r) => r.atoms.length > 0).map((r) => r.id)).toEqual(
      [],
    );
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 65536) % n;
    };
    const effects = new Set<string>();
    for (let k = 0; k < 500; k++) {
      const i = input(
        {
          subject: rand(4) === 0 ? 'svc-b' : 'svc-a',
          groups: rand(2) ? ['ops'] : [],
          claims: claimSets[rand(claimSets.length)],
        },
        {
          model: ['m1', 'm2', 'm3'][rand(3)],
          connection: ['c1', 'c2'][rand(2)],
          inputCount: rand(120),
          tokenCount: rand(10),
          byteSize: rand(2000),
          time: new Date(Date.UTC(2025, 0, 1 + rand(7), rand(24))),
        },
        { CREDIT_CARD: rand(5), EMAIL_ADDRESS: rand(8) },
      );
      const d = evaluate(fast.policy, i);
      expect(d).toEqual(evaluate(slow.policy, i));
      effects.add(d.effect);
    }
    expect([...effects].sort()).toEqual(['allow', 'deny', 'mask', 'require_approval']);
  });
});
