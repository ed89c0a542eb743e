// Case files for `embargo policy test <cases.yaml>`: requests with the decision expected.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { unknownEntityType } from './entities';
import { evaluate } from './evaluate';
import type { CaseReport, CaseResult, CompiledPolicy, DenyCode, Effect } from './types';

/** Cases without a time run at this instant so results do not depend on the clock. */
export const DEFAULT_CASE_TIME = '2025-01-06T12:00:00Z';

const stringList = z.array(z.string());
const caseSchema = z.strictObject({
  name: z.string().min(1),
  principal: z.strictObject({
    id: z.string().optional(),
    issuer: z.string().default(''),
    subject: z.string().default(''),
    roles: stringList.optional(),
    groups: stringList.optional(),
    scopes: stringList.optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
  }),
  request: z.strictObject({
    model: z.string().min(1),
    connection: z.string().optional(),
    input_count: z.number().int().nonnegative().default(1),
    token_count: z.number().int().nonnegative().default(0),
    byte_size: z.number().int().nonnegative().default(0),
    time: z.union([z.string(), z.date()]).default(DEFAULT_CASE_TIME),
  }),
  findings: z.record(z.string(), z.number().int().nonnegative()).optional(),
  grants: stringList.optional(),
  expect: z.strictObject({
    effect: z.enum(['allow', 'mask', 'deny', 'require_approval'] satisfies Effect[]),
    rules: stringList.optional(),
    reason: z.string().optional(),
    denyCode: z
      .enum([
        'invalid_input',
        'no_role',
        'not_granted',
        'rule_denied',
        'no_allow_rule',
        'limit_exceeded',
      ] satisfies DenyCode[])
      .optional(),
    mask: stringList.optional(),
  }),
});
const fileSchema = z.union([
  z.strictObject({ cases: z.array(caseSchema).min(1) }),
  z.array(caseSchema).min(1),
]);

export type PolicyCase = z.infer<typeof caseSchema>;

export class CaseFileError extends Error {
  override readonly name = 'CaseFileError';
}

export function parseCases(casesYaml: string): PolicyCase[] {
  let data: unknown;
  try {
    data = parseYaml(casesYaml);
  } catch (err) {
    throw new CaseFileError(
      `cases file is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CaseFileError(
      `cases file is invalid at ${issue.path.join('.') || '<root>'}: ${issue.message}`,
    );
  }
  const [cases, at] = Array.isArray(parsed.data)
    ? [parsed.data, '']
    : [parsed.data.cases, 'cases.'];
  // A case with findings of a type no policy can name would pass without testing anything.
  for (const [i, c] of cases.entries()) {
    const named = [
      ...Object.keys(c.findings ?? {}).map((name) => [`findings.${name}`, name]),
      ...(c.expect.mask ?? []).map((name, j) => [`expect.mask.${j}`, name]),
    ];
    for (const [where, name] of named) {
      const problem = unknownEntityType(name);
      if (problem)
        throw new CaseFileError(`cases file is invalid at ${at}${i}.${where}: ${problem}`);
    }
  }
  return cases;
}

export function runCase(policy: CompiledPolicy, c: PolicyCase): CaseResult {
  const decision = evaluate(policy, {
    principal: { ...c.principal, id: c.principal.id ?? c.principal.subject },
    request: {
      model: c.request.model,
      ...(c.request.connection !== undefined ? { connection: c.request.connection } : {}),
      inputCount: c.request.input_count,
      tokenCount: c.request.token_count,
      byteSize: c.request.byte_size,
      time: c.request.time,
    },
    ...(c.findings ? { findings: c.findings } : {}),
    ...(c.grants ? { activeGrants: c.grants } : {}),
  });
  const failures: string[] = [];
  const e = c.expect;
  if (decision.effect !== e.effect) {
    failures.push(
      `effect: expected ${e.effect}, got ${decision.effect}${decision.reason ? ` (${decision.reason})` : ''}`,
    );
  }
  if (e.rules) {
    const want = [...e.rules].sort();
    const got = [...decision.ruleIds].sort();
    if (want.join('\n') !== got.join('\n'))
      failures.push(`rules: expected [${want.join(', ')}], got [${got.join(', ')}]`);
  }
  if (e.reason !== undefined && !(decision.reason ?? '').includes(e.reason)) {
    failures.push(`reason: expected to contain "${e.reason}", got "${decision.reason ?? ''}"`);
  }
  if (e.denyCode !== undefined && decision.denyCode !== e.denyCode) {
    failures.push(`denyCode: expected ${e.denyCode}, got ${decision.denyCode ?? 'none'}`);
  }
  for (const entity of e.mask ?? []) {
    if (!decision.mask?.entities[entity]) failures.push(`mask: expected ${entity} to be masked`);
  }
  return { name: c.name, passed: failures.length === 0, failures, decision };
}

/** Runs every case of a cases file; throws CaseFileError when the file itself is malformed. */
export function runCases(policy: CompiledPolicy, casesYaml: string): CaseReport {
  const results = parseCases(casesYaml).map((c) => runCase(policy, c));
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed, results };
}
