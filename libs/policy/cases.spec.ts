import { CaseFileError, runCases } from '@embargo/policy';
import { compileOrThrow } from './testing';

const policy = compileOrThrow(`
version: 1
roles:
  svc: { match: { issuer: https://idp, subject: "svc-*" }, models: [m1] }
rules:
  - { id: allow, allow: true }
  - { id: hold-cards, when: findings.CREDIT_CARD > 5, require_approval: { approvers: [p], ttl: 15m } }
  - { id: mask-cards, mask: { entities: { CREDIT_CARD: keep_last } } }
`);

const principal = '{ issuer: https://idp, subject: svc-a }';

describe('runCases', () => {
  it('passes cases whose expectations hold', () => {
    const report = runCases(
      policy,
      `
cases:
  - name: plain
    principal: ${principal}
    request: { model: m1 }
    expect: { effect: mask, rules: [mask-cards, allow], mask: [CREDIT_CARD] }
  - name: held
    principal: ${principal}
    request: { model: m1 }
    findings: { CREDIT_CARD: 9 }
    expect: { effect: require_approval, rules: [hold-cards] }
  - name: granted
    principal: ${principal}
    request: { model: m1 }
    findings: { CREDIT_CARD: 9 }
    grants: [hold-cards]
    expect: { effect: mask }
`,
    );
    expect(report).toMatchObject({ passed: 3, failed: 0 });
  });

  it('reports each unmet expectation of a failing case', () => {
    const report = runCases(
      policy,
      `
- name: wrong
  principal: ${principal}
  request: { model: m2 }
  expect: { effect: allow, rules: [allow], reason: nope, denyCode: no_role, mask: [US_SSN] }
`,
    );
    expect(report).toMatchObject({ passed: 0, failed: 1 });
    expect(report.results[0].failures).toEqual([
      "effect: expected allow, got deny (model 'm2' is not granted to your roles (svc))",
      'rules: expected [allow], got []',
      `reason: expected to contain "nope", got "model 'm2' is not granted to your roles (svc)"`,
      'denyCode: expected no_role, got not_granted',
      'mask: expected US_SSN to be masked',
    ]);
  });

  it('rejects a malformed cases file with the place of the problem', () => {
    expect(() =>
      runCases(
        policy,
        'cases:\n  - name: x\n    principal: {}\n    request: { model: m1, input_count: -1 }\n    expect: { effect: allow }\n',
      ),
    ).toThrow(
      new CaseFileError(
        'cases file is invalid at cases.0.request.input_count: Too small: expected number to be >=0',
      ),
    );
    expect(() => runCases(policy, 'cases: [')).toThrow(CaseFileError);
  });

  it('rejects a case naming an entity type the masking engine does not know', () => {
    // With findings of a type no rule can name, an allow expectation would pass untested.
    expect(() =>
      runCases(
        policy,
        `- { name: x, principal: ${principal}, request: { model: m1 }, findings: { CREDIT_CARDS: 9 }, expect: { effect: mask } }\n`,
      ),
    ).toThrow(
      new CaseFileError(
        "cases file is invalid at 0.findings.CREDIT_CARDS: unknown entity type 'CREDIT_CARDS'; did you mean CREDIT_CARD?",
      ),
    );
  });
});
