import Ajv from 'ajv';
import { parse } from 'yaml';
import {
  compileBundle,
  compilePolicy,
  createBundle,
  defaultMaskPlan,
  evaluate,
  hashSources,
  policySchema,
  type PolicyError,
} from '@embargo/policy';
import { MASK_LIST_LIMITS, maskRequestSchema } from '@embargo/contracts';
import { ENTITY_TYPES } from '@embargo/masking';
import { input } from './testing';

function errorsOf(...contents: string[]): PolicyError[] {
  const result = compilePolicy(contents.map((content, i) => ({ path: `p${i}.yaml`, content })));
  if (result.ok) throw new Error('expected the policy not to compile');
  return result.errors;
}

const ROLES = `
version: 1
roles:
  svc: { match: { subject: svc-a }, models: [m1] }
`;

describe('compilePolicy: errors name file, rule and position', () => {
  it('reports YAML syntax errors with line and column', () => {
    expect(errorsOf('version: 1\nrules:\n  - id: a\n    when: [unclosed\n')).toEqual([
      { file: 'p0.yaml', line: 5, col: 1, message: expect.stringMatching(/^YAML: Flow sequence/) },
    ]);
  });

  it('reports schema violations at the offending node', () => {
    const errors = errorsOf('version: 1\nrules:\n  - id: a\n    allow: true\n    colour: red\n');
    expect(errors).toEqual([
      { file: 'p0.yaml', line: 3, col: 5, ruleId: 'a', message: "rules.0: unknown field 'colour'" },
    ]);
  });

  it('asks for exactly one effect per rule', () => {
    const errors = errorsOf(
      'version: 1\nrules:\n  - id: a\n    allow: true\n    deny: { reason: x }\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'rules.0: a rule needs exactly one effect: allow, deny, mask or require_approval',
    ]);
  });

  it('rejects unknown masking strategies and bad durations', () => {
    const errors = errorsOf(`
version: 1
rules:
  - id: m
    mask: { entities: { EMAIL_ADDRESS: scramble } }
  - id: h
    require_approval: { approvers: [x], ttl: 15 minutes }
`);
    expect(errors).toEqual([
      expect.objectContaining({
        ruleId: 'm',
        line: 5,
        message: expect.stringContaining('must be a strategy'),
      }),
      expect.objectContaining({
        ruleId: 'h',
        line: 7,
        message: expect.stringContaining('rules.1.require_approval.ttl: must match pattern'),
      }),
    ]);
  });

  it('reports CEL syntax errors with the YAML position of the character and the CEL column', () => {
    const errors = errorsOf(
      'version: 1\nrules:\n  - id: bad\n    when: request.input_count > \n    allow: true\n',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      file: 'p0.yaml',
      ruleId: 'bad',
      line: 4,
      celColumn: expect.any(Number),
    });
    expect(errors[0].message).toMatch(/^syntax error/);
  });

  it.each([
    ['undeclared variable', 'user.id == "x"', "undeclared reference to 'user'", 1],
    ['unknown principal field', 'principal.email == "x"', "principal has no field 'email'", 10],
    ['unknown request field', 'request.size > 3', "request has no field 'size'", 8],
    [
      'lower-case entity type',
      'findings.email > 3',
      "unknown entity type 'email'; did you mean EMAIL_ADDRESS?",
      9,
    ],
    [
      'misspelt entity type',
      'findings.CREDIT_CARDS > 0',
      "unknown entity type 'CREDIT_CARDS'; did you mean CREDIT_CARD?",
      9,
    ],
    ['unknown function', 'lookup(principal.id)', "unknown function 'lookup'", 1],
    [
      'int compared with string',
      'request.input_count > "10"',
      'no ordering between int and string',
      21,
    ],
    [
      'always-false equality',
      'request.model == 3',
      'comparing string with int is always false',
      15,
    ],
    [
      'non-bool condition',
      'request.input_count + 1',
      'condition must evaluate to a bool, not int',
      1,
    ],
    [
      'nested comprehension',
      'principal.groups.exists(g, principal.scopes.exists(s, s == g))',
      'nested comprehensions',
      44,
    ],
  ])('rejects %s', (_name, when, message, celColumn) => {
    const errors = errorsOf(
      `version: 1\nrules:\n  - id: r\n    when: '${when}'\n    allow: true\n`,
    );
    expect(errors).toEqual([
      {
        file: 'p0.yaml',
        ruleId: 'r',
        line: 4,
        col: 11 + celColumn,
        celColumn,
        message: expect.stringContaining(message),
      },
    ]);
  });

  it.each([
    [
      'a comprehension over another',
      '[[0]].map(y, y + y).map(z, z + z).size() > 0',
      'nested comprehensions',
    ],
    ['string-building calls', '"a".replace("a", "aa").size() > 0', "'replace' is not allowed"],
    [
      'a pattern that is not a literal',
      'principal.id.matches(principal.subject)',
      'literal pattern',
    ],
    [
      'a pattern with a large counted repeat',
      'principal.id.matches("[a-z]{1000}")',
      'repeats more than 50',
    ],
    ['a pattern RE2 cannot compile', 'principal.id.matches("(ci")', 'not a valid RE2 expression'],
  ])('refuses conditions whose cost has no bound: %s', (_name, when, message) => {
    const errors = errorsOf(
      `version: 1\nrules:\n  - id: r\n    when: '${when}'\n    allow: true\n`,
    );
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(message)]);
  });

  it('accepts a short literal pattern and a single comprehension', () => {
    const result = compilePolicy([
      {
        path: 'p0.yaml',
        content: `version: 1\nrules:\n  - id: r\n    when: 'principal.id.matches("^ci:repo:org/[a-z-]{1,40}$") && principal.groups.exists(g, g.startsWith("ml-"))'\n    allow: true\n`,
      },
    ]);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('refuses a YAML alias bomb as a YAML error, not a crash', () => {
    const bomb = [
      'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const name = String.fromCharCode(98 + i);
        return `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`;
      }),
    ].join('\n');
    const errors = errorsOf(`version: 1\n${bomb}\n`);
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'p0.yaml',
        message: expect.stringMatching(/^YAML: .*alias/i),
      }),
    ]);
  });

  it('reports duplicate keys, the later one, with its position', () => {
    expect(
      errorsOf('version: 1\nrules:\n  - id: a\n    id: b\n    allow: true\nversion: 2\n'),
    ).toEqual([
      { file: 'p0.yaml', line: 4, col: 5, message: 'YAML: Map keys must be unique' },
      { file: 'p0.yaml', line: 6, col: 1, message: 'YAML: Map keys must be unique' },
    ]);
    // Equal by value, as YAML compares them; a flow map is checked too.
    expect(errorsOf('version: 1\n1: a\n0x1: b\nx: { a: 1, a: 2 }\n')).toEqual([
      { file: 'p0.yaml', line: 3, col: 1, message: 'YAML: Map keys must be unique' },
      { file: 'p0.yaml', line: 4, col: 12, message: 'YAML: Map keys must be unique' },
    ]);
  });

  it('reports a key repeated through an alias, which replaced the key written out', () => {
    // The role reads as limited to batches of 1; `*k` is `limits` again, so it was unlimited.
    const aliased = `version: 1
roles:
  svc:
    description: &k limits
    match: { subject: svc-a }
    models: [m1]
    limits: { maxBatchSize: 1 }
    *k : { maxTokens: 5000 }
`;
    expect(errorsOf(aliased)).toEqual([
      { file: 'p0.yaml', line: 8, col: 5, message: 'YAML: Map keys must be unique' },
    ]);
    // A list or mapping as a key becomes text nobody wrote ("[ a ]"), so it may repeat one too.
    expect(errorsOf('version: 1\nx: &x [a]\n? *x\n: 1\n? [b]\n: 2\n')).toEqual([
      {
        file: 'p0.yaml',
        line: 3,
        col: 3,
        message: 'YAML: a mapping key must be a plain value, not a list or mapping',
      },
      {
        file: 'p0.yaml',
        line: 5,
        col: 3,
        message: 'YAML: a mapping key must be a plain value, not a list or mapping',
      },
    ]);
  });

  it('refuses an unresolved custom tag at its position rather than dropping it', () => {
    expect(
      errorsOf(
        'version: 1\nroles:\n  r: { match: { subject: !secret s }, models: [m] }\nrules: !include rules.yaml\n',
      ),
    ).toEqual([
      { file: 'p0.yaml', line: 3, col: 26, message: 'YAML: Unresolved tag: !secret' },
      { file: 'p0.yaml', line: 4, col: 8, message: 'YAML: Unresolved tag: !include' },
    ]);
  });

  it('refuses YAML types that are not JSON (!!omap, !!set, !!timestamp ...), which read as no fields', () => {
    // A role's limits written as an ordered map became a Map: valid to the schema, empty to
    // the compiler, so the role granted unlimited batches.
    const limited = `version: 1
roles:
  svc: { match: { subject: svc-a }, models: [m1], limits: !!omap [{ maxBatchSize: 2 }] }
rules: [{ id: allow, allow: { rateLimit: !!timestamp 2001-01-01 } }]
defaults: { mask: { denyList: !!omap [{ PERSON: [Project Falcon] }] } }
description: !!binary aGk=
`;
    // Placed on the value the tag stands before.
    expect(errorsOf(limited)).toEqual([
      {
        file: 'p0.yaml',
        line: 3,
        col: 66,
        message: 'YAML: !!omap is not accepted; a policy holds mappings, lists and plain values',
      },
      {
        file: 'p0.yaml',
        line: 4,
        col: 54,
        message:
          'YAML: !!timestamp is not accepted; a policy holds mappings, lists and plain values',
      },
      {
        file: 'p0.yaml',
        line: 5,
        col: 38,
        message: 'YAML: !!omap is not accepted; a policy holds mappings, lists and plain values',
      },
      {
        file: 'p0.yaml',
        line: 6,
        col: 23,
        message: 'YAML: !!binary is not accepted; a policy holds mappings, lists and plain values',
      },
    ]);
    // The JSON types may still be spelt out.
    expect(
      compilePolicy([
        {
          path: 'p.yaml',
          content: 'version: !!int 1\ndescription: !!str 2\nroles: !!map {}\nrules: !!seq []\n',
        },
      ]).ok,
    ).toBe(true);
  });

  it('bounds glob patterns and limits', () => {
    const role = (match: string, extra = '') =>
      `version: 1\nroles:\n  r: { match: { ${match} }, models: [m]${extra} }\n`;
    expect(
      compilePolicy([{ path: 'p.yaml', content: role(`subject: "${'a'.repeat(1024)}"`) }]).ok,
    ).toBe(true);
    expect(errorsOf(role(`subject: "${'a'.repeat(1025)}"`))).toContainEqual(
      expect.objectContaining({
        line: 3,
        // stringOrList is a oneOf, so the error names the field rather than the length.
        message: expect.stringMatching(/^roles\.r\.match\.subject: /) as string,
      }),
    );
    expect(errorsOf(role('subject: s', `, connections: ["${'*a'.repeat(129)}"]`))).toEqual([
      expect.objectContaining({
        message: 'roles.r.connections.0: must NOT have more than 256 characters',
      }),
    ]);
    // 1e20 inputs or 1e300 requests a minute reached the rate limiter's Redis counters.
    expect(
      errorsOf(role('subject: s', ', limits: { maxBatchSize: 100000000000000000000 }')),
    ).toEqual([
      expect.objectContaining({
        message: 'roles.r.limits.maxBatchSize: must be <= 1000000000',
      }),
    ]);
    expect(
      errorsOf(role('subject: s', ', limits: { rateLimit: { requestsPerMinute: 1e300 } }')),
    ).toEqual([
      expect.objectContaining({
        message: 'roles.r.limits.rateLimit.requestsPerMinute: must be <= 1000000000',
      }),
    ]);
    expect(
      compilePolicy([
        { path: 'p.yaml', content: role('subject: s', ', limits: { maxTokens: 1000000000 }') },
      ]).ok,
    ).toBe(true);
  });

  it('reports keys that become the same property, such as role "1" and role 1', () => {
    // The later role replaced the earlier one without a word: here, a narrow role for alice
    // by one granting every model to everyone.
    const src = [
      'version: 1',
      'roles:',
      '  "1": { match: { subject: alice }, models: [small], limits: { maxBatchSize: 1 } }',
      '  1: { match: { subject: "*" }, models: ["*"] }',
      '  r: { match: { claims: { "1": a, 1: b } }, models: [m] }',
      '  "null": { match: { subject: x }, models: [m] }',
      '  ~: { match: { subject: y }, models: [m] }',
      '  "": { match: { subject: z }, models: [m] }',
      'rules: [{ id: a, allow: true }]',
    ].join('\n');
    expect(errorsOf(src)).toEqual([
      { file: 'p0.yaml', line: 4, col: 3, message: 'YAML: Map keys must be unique' },
      { file: 'p0.yaml', line: 5, col: 35, message: 'YAML: Map keys must be unique' },
      { file: 'p0.yaml', line: 8, col: 3, message: 'YAML: Map keys must be unique' },
    ]);
  });

  it('refuses a file of 50 000 keys before parsing it, naming the file and the limit', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i % 40_000}: 1`).join('\n');
    expect(errorsOf(`version: 1\n${keys}\n`)).toEqual([
      {
        file: 'p0.yaml',
        line: 50_001,
        col: 1,
        message: 'YAML: more than 50000 lines in one file; split the policy across files',
      },
    ]);
  });

  it('refuses more than 2 000 anchors and aliases in a file, whose resolution grows with their square', () => {
    // yaml resolves each alias by scanning every anchor and alias before it: 20 000 of each
    // in a valid 470 KB file took 12 s to compile, on the policy service and every ingress.
    const policy = (n: number) => `version: 1
roles:
  r1: { match: { subject: svc-a }, models: [${Array.from({ length: n }, (_, i) => `&a${i} m${i}`).join(', ')}] }
  r2: { match: { subject: svc-b }, models: [${Array.from({ length: n }, (_, i) => `*a${i}`).join(', ')}] }
`;
    expect(compilePolicy([{ path: 'p0.yaml', content: policy(1_000) }]).ok).toBe(true);
    const started = performance.now();
    expect(errorsOf(policy(20_000))).toEqual([
      {
        file: 'p0.yaml',
        // The 2 001st: the anchor of m2000.
        line: 3,
        col: 25_832,
        message: 'YAML: more than 2000 anchors and aliases in one file',
      },
    ]);
    // Loose on purpose: the refusal needs milliseconds, the resolution needed seconds.
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('refuses a mapping of more than 2 000 keys, at the mapping', () => {
    const keys = Array.from({ length: 2_001 }, (_, i) => `  k${i}: 1`).join('\n');
    expect(errorsOf(`version: 1\nroles:\n${keys}\n`)).toEqual([
      {
        file: 'p0.yaml',
        line: 3,
        col: 3,
        message: 'YAML: a mapping with 2001 keys, more than 2000',
      },
    ]);
  });

  it('returns at most 100 errors, the last saying how many more there were', () => {
    const rules = Array.from({ length: 500 }, (_, i) => `  - id: r${i}\n    oops: 1`).join('\n');
    const errors = errorsOf(`version: 1\nrules:\n${rules}\n`);
    expect(errors).toHaveLength(100);
    expect(errors[99]).toEqual({
      file: '<set>',
      message: expect.stringMatching(/^\d+ (or )?more errors not shown$/),
    });
  });

  it('reports a one-line file of thousands of invalid rules quickly, capped', () => {
    // Collecting every schema error grew with the square of the invalid rules: 136 KiB of
    // `{z: 1}` took 10 s, and 410 KiB threw instead of being refused.
    const src = `version: 1\nrules: [${Array<string>(5_000).fill('{z: 1}').join(',')}]\n`;
    const started = performance.now();
    const errors = errorsOf(src);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(errors).toHaveLength(100);
    expect(errors[0]).toMatchObject({
      file: 'p0.yaml',
      line: 2,
      message: expect.stringMatching(/^rules\.0: /) as string,
    });
    expect(errors[99]).toEqual({
      file: '<set>',
      message: expect.stringMatching(/^\d+ or more errors not shown$/),
    });
  });

  it('refuses more than 5 000 rules in one file, at the rules', () => {
    const src = `version: 1\nrules: [${Array<string>(60_000).fill('{z: 1}').join(',')}]\n`;
    expect(errorsOf(src)).toEqual([
      {
        file: 'p0.yaml',
        line: 2,
        col: 8,
        message: '60000 rules in one file, more than 5000; split the policy across files',
      },
    ]);
  });

  it('refuses rather than throws on a file that is not text', () => {
    const result = compilePolicy([{ path: 'p.yaml', content: undefined as unknown as string }]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          file: '<set>',
          message: expect.stringContaining('the policy set cannot be compiled: ') as string,
        },
      ],
    });
  });

  it('points into block scalars by CEL line and column', () => {
    const errors = errorsOf(
      'version: 1\nrules:\n  - id: r\n    when: |-\n      request.model == "m1" &&\n      request.sise > 3\n    allow: true\n',
    );
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        celColumn: 8,
        message: expect.stringMatching(/^request has no field 'sise' .*\(expression line 2\)$/),
      }),
    ]);
  });

  it('rejects expressions above the length limit', () => {
    const long = Array.from({ length: 400 }, (_, i) => `request.model == "model-${i}"`).join(
      ' || ',
    );
    const errors = errorsOf(
      `version: 1\nrules:\n  - id: r\n    when: '${long}'\n    allow: true\n`,
    );
    expect(errors[0].message).toMatch(/must NOT have more than 4096 characters/);
  });

  it('requires rule ids and role names unique across files, and one defaults block', () => {
    const a = `${ROLES}defaults: { cache: false }\nrules:\n  - { id: same, allow: true }\n`;
    const b = `version: 1\ndefaults: { cache: true }\nroles:\n  svc: { match: { subject: x }, models: [m1] }\nrules:\n  - { id: same, allow: true }\n`;
    expect(errorsOf(a, b).map((e) => `${e.file}:${e.line}: ${e.message}`)).toEqual([
      'p1.yaml:2: defaults are already declared in p0.yaml; declare them in one file of the set',
      "p1.yaml:4: role 'svc' is already declared in p0.yaml",
      "p1.yaml:6: rule id 'same' is already used in p0.yaml",
    ]);
  });

  it('compiles a valid multi-file set', () => {
    const result = compilePolicy([
      { path: 'roles.yaml', content: ROLES },
      { path: 'rules.yaml', content: 'version: 1\nrules:\n  - { id: a, allow: true }\n' },
    ]);
    expect(result.ok && result.policy.ruleCount).toBe(1);
  });
});

describe('compilePolicy: entity types the masking engine does not know', () => {
  it.each([
    [
      'a bracketed finding',
      'findings["CREDITCARD"] > 0',
      "'CREDITCARD'; did you mean CREDIT_CARD?",
    ],
    ['a membership test', '"US_SSNS" in findings', "'US_SSNS'; did you mean US_SSN?"],
    ['a presence test', 'has(findings.IBAN)', "'IBAN'; did you mean IBAN_CODE?"],
    [
      'a name close to nothing',
      'findings.LOYALTY_NUMBER > 0',
      "'LOYALTY_NUMBER'; docs/masking.md lists the types",
    ],
  ])('refuses %s in a condition, which would read 0 and never fire', (_name, when, message) => {
    const errors = errorsOf(
      `version: 1\nrules:\n  - id: r\n    when: '${when}'\n    deny: { reason: x }\n`,
    );
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'p0.yaml',
        ruleId: 'r',
        line: 4,
        message: expect.stringContaining(`unknown entity type ${message}`),
      }),
    ]);
  });

  it('refuses a mask rule for one, which would fail every masked request', () => {
    const errors = errorsOf(`
version: 1
rules:
  - id: cards
    mask:
      entities:
        EMAIL_ADDRESS: redact
        CREDITCARD: { strategy: keep_last, n: 4 }
`);
    expect(errors).toEqual([
      {
        file: 'p0.yaml',
        line: 8,
        col: 9,
        ruleId: 'cards',
        message:
          "rules.0.mask.entities: unknown entity type 'CREDITCARD'; did you mean CREDIT_CARD?",
      },
    ]);
  });

  it('refuses one in the default mask, thresholds and deny list, which were dropped', () => {
    const errors = errorsOf(`
version: 1
defaults:
  mask:
    entities: { AWS_ACCESS_KEYS: redact }
    thresholds: { EMAIL_ADRESS: 0.6 }
    denyList: { PERSONS: [Project Falcon] }
`);
    expect(errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([
      "5:17: defaults.mask.entities: unknown entity type 'AWS_ACCESS_KEYS'; did you mean AWS_ACCESS_KEY?",
      "6:19: defaults.mask.thresholds: unknown entity type 'EMAIL_ADRESS'; did you mean EMAIL_ADDRESS?",
      "7:17: defaults.mask.denyList: unknown entity type 'PERSONS'; did you mean PERSON?",
    ]);
  });

  it('accepts every type the masking engine knows, wherever a policy names one', () => {
    const all = ENTITY_TYPES.map((t) => `${t}: redact`).join(', ');
    const result = compilePolicy([
      {
        path: 'p0.yaml',
        content: `version: 1
defaults:
  mask:
    entities: { ${all} }
    thresholds: { ${ENTITY_TYPES.map((t) => `${t}: 0.5`).join(', ')} }
    denyList: { ${ENTITY_TYPES.map((t) => `${t}: [x]`).join(', ')} }
rules:
  - id: r
    when: '${ENTITY_TYPES.map((t, i) => (i % 2 ? `findings.${t} > 0` : `findings["${t}"] > 0`)).join(' || ')}'
    mask: { entities: { ${all} } }
`,
      },
    ]);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('compilePolicy: masking lists the workers take', () => {
  const { values, chars } = MASK_LIST_LIMITS;
  const policy = (allow: string[], deny: string[]) =>
    `version: 1\ndefaults:\n  mask:\n    entities: { EMAIL_ADDRESS: redact }\n` +
    `    allowList: ${JSON.stringify(allow)}\n    denyList: { PERSON: ${JSON.stringify(deny)} }\n`;

  it('refuses longer lists and values at upload, which would fail every large masked request', () => {
    const long = 'a'.repeat(chars + 1);
    const many = Array.from({ length: values + 1 }, (_, i) => `v${i}`);
    expect(errorsOf(policy([long], ['x'])).map((e) => e.message)).toEqual([
      expect.stringMatching(/^defaults\.mask\.allowList\.0: .*1000/),
    ]);
    expect(errorsOf(policy(['x'], many)).map((e) => e.message)).toEqual([
      expect.stringMatching(/^defaults\.mask\.denyList\.PERSON: .*10000/),
    ]);
  });

  it('passes lists at the limits on to a mask request the workers accept', () => {
    const full = Array.from({ length: values }, (_, i) => (i ? `v${i}` : 'a'.repeat(chars)));
    const result = compilePolicy([{ path: 'p0.yaml', content: policy(full, full) }]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const plan = defaultMaskPlan(result.policy)!;
    const request = { requestId: 'r', replyTo: 'i', offset: 0, texts: ['t'], deadline: 1 };
    expect(maskRequestSchema.safeParse({ ...request, ...plan }).success).toBe(true);
  });
});

describe('published JSON Schema', () => {
  it('validates the example policy files on its own, as editors would', () => {
    const validate = new Ajv({ strict: false }).compile(policySchema);
    expect(validate(parse(ROLES))).toBe(true);
    expect(validate({ version: 2 })).toBe(false);
  });
});

describe('bundles', () => {
  const files = [
    { path: 'b.yaml', content: 'version: 1\nrules:\n  - { id: a, allow: true }\n' },
    { path: 'a.yaml', content: ROLES },
  ];

  it('hashes sources independently of file order', () => {
    expect(hashSources(files)).toBe(hashSources([...files].reverse()));
    expect(hashSources(files)).not.toBe(
      hashSources([files[0], { ...files[1], content: `${ROLES}\n` }]),
    );
    // Moving bytes between path and content must change the hash.
    expect(hashSources([{ path: 'ab', content: 'c' }])).not.toBe(
      hashSources([{ path: 'a', content: 'bc' }]),
    );
  });

  it('compiles a bundle carrying its version and hash into decisions', () => {
    const bundle = createBundle(files, 7, new Date('2025-01-01T00:00:00Z'));
    expect(bundle.createdAt).toBe('2025-01-01T00:00:00.000Z');
    const result = compileBundle(bundle);
    if (!result.ok) throw new Error('bundle should compile');
    const d = evaluate(result.policy, input({ subject: 'svc-a' }));
    expect(d).toMatchObject({ effect: 'allow', bundleVersion: 7, bundleHash: bundle.hash });
  });

  it('refuses a bundle whose files do not match its hash', () => {
    const bundle = createBundle(files, 8);
    bundle.files[0] = {
      ...bundle.files[0],
      content: `${bundle.files[0].content}  - { id: b, allow: true }\n`,
    };
    const result = compileBundle(bundle);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0].message).toMatch(/^bundle 8 hash mismatch/);
  });
});
