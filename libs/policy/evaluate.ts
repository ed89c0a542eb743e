import { celList, celMap, isCelError, type CelMap } from '@bufbuild/cel';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { MAX_LIST } from './cel';
import type {
  Bindings,
  CompiledRole,
  CompiledRule,
  Facts,
  Glob,
  Matcher,
  PolicyInternals,
} from './model';
import type {
  ApprovalSpec,
  CompiledPolicy,
  Decision,
  DenyCode,
  EvaluationInput,
  Limits,
  MaskPlan,
  PrincipalInput,
  RateLimit,
  RuleErrorReport,
  RuleOutcome,
  Simulation,
  Strategy,
  StrategySpec,
  TraceEntry,
} from './types';

/** Merged masking plans kept per compiled policy (see PolicyInternals.maskPlans). */
const MASK_PLAN_CACHE = 256;

/**
 * Strength of masking strategies, strongest first: when two rules mask the same entity
 * type differently, the stronger one wins. Documented in docs/policy.md.
 */
export const STRATEGY_ORDER: readonly Strategy[] = [
  'redact',
  'replace',
  'hash',
  'tokenize',
  'fake',
  'keep_last',
];
const STRENGTH: Record<Strategy, number> = Object.fromEntries(
  STRATEGY_ORDER.map((s, i) => [s, STRATEGY_ORDER.length - i]),
) as Record<Strategy, number>;

/** Nested claim values deeper than this are replaced with null before CEL sees them. */
const MAX_CLAIM_DEPTH = 16;

export function evaluate(policy: CompiledPolicy, input: EvaluationInput): Decision {
  return run(policy, input, undefined).decision;
}

export function simulate(policy: CompiledPolicy, input: EvaluationInput): Simulation {
  const trace: TraceEntry[] = [];
  const { decision, roleTrace } = run(policy, input, trace);
  return { decision, roles: roleTrace ?? [], rules: trace };
}

/** Whether any rule reads `findings`; when not, the ingress may skip detection. */
export function needsFindings(policy: CompiledPolicy): boolean {
  return policy.internal.usesFindings;
}

/** The set-wide masking (`defaults.mask`), e.g. for masking text outside a request. */
export function defaultMaskPlan(policy: CompiledPolicy): MaskPlan | undefined {
  const d = policy.internal.defaultMask;
  return d ? { ...d, entities: { ...d.entities } } : undefined;
}

/**
 * Which models the principal's roles grant, for GET /v1/models and the token exchange: the
 * same role test a request's decision makes. A role limited to connections grants its models
 * only through them, so a model whose connection is unknown (no route serves it) is granted
 * only by a role without that limit.
 */
export function modelGrants(
  policy: CompiledPolicy,
  principal: PrincipalInput,
): (model: string, connection: string | undefined) => boolean {
  const p = normalizePrincipal(principal);
  if (typeof p === 'string') return () => false;
  const roles = policy.internal.roles.filter((role) =>
    role.matchers.some((m) => matcherMatches(m, p)),
  );
  return (model, connection) =>
    roles.some(
      (role) =>
        role.models.test(model) &&
        (!role.connections || (connection !== undefined && role.connections.test(connection))),
    );
}

// ---------------------------------------------------------------------------

interface NormalPrincipal {
  id: string;
  issuer: string;
  subject: string;
  roles: string[];
  groups: string[];
  scopes: string[];
  claims: Record<string, unknown>;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function normalizePrincipal(p: PrincipalInput | undefined): NormalPrincipal | string {
  if (!p || typeof p !== 'object') return 'principal is missing';
  for (const key of ['id', 'issuer', 'subject'] as const) {
    if (typeof p[key] !== 'string') return `principal.${key} must be a string`;
  }
  const claims =
    p.claims && typeof p.claims === 'object' && !Array.isArray(p.claims) ? p.claims : {};
  return {
    id: p.id,
    issuer: p.issuer,
    subject: p.subject,
    roles: stringList(p.roles),
    groups: stringList(p.groups),
    scopes: stringList(p.scopes),
    claims,
  };
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function claimEquals(actual: unknown, accepted: (string | number | boolean)[]): boolean {
  // YAML `level: 3` should match a claim "3" and vice versa, so compare as text.
  if (Array.isArray(actual)) return actual.some((a) => claimEquals(a, accepted));
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean')
    return false;
  const text = String(actual);
  return accepted.some((a) => String(a) === text);
}

function anyMatches(glob: Glob, values: string[]): boolean {
  for (let i = 0; i < values.length; i++) if (glob.test(values[i])) return true;
  return false;
}

function matcherMatches(m: Matcher, p: NormalPrincipal): boolean {
  if (m.issuer && !m.issuer.test(p.issuer)) return false;
  if (m.subject && !m.subject.test(p.subject)) return false;
  if (m.groups && !anyMatches(m.groups, p.groups)) return false;
  if (m.roles && !anyMatches(m.roles, p.roles)) return false;
  if (m.scopes && !anyMatches(m.scopes, p.scopes)) return false;
  if (m.claims) {
    for (const [name, accepted] of m.claims) {
      if (!hasOwn(p.claims, name) || !claimEquals(p.claims[name], accepted)) return false;
    }
  }
  return true;
}

function grants(role: CompiledRole, model: string, connection: string): boolean {
  return role.models.test(model) && (!role.connections || role.connections.test(connection));
}

/** JSON-ish claim value → CEL input. Integers become CEL ints so `claims.level > 3` works. */
function toCel(v: unknown, depth: number): unknown {
  if (depth > MAX_CLAIM_DEPTH) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'bigint':
      return v;
    case 'object': {
      if (v === null) return null;
      // Longer than conditions were costed for: null, so reading it errors (fails closed).
      if (Array.isArray(v))
        return v.length > MAX_LIST ? null : celList(v.map((x) => toCel(x, depth + 1)) as never[]);
      if (Object.keys(v).length > MAX_LIST) return null;
      const m = new Map<string, unknown>();
      for (const [k, x] of Object.entries(v)) if (x !== undefined) m.set(k, toCel(x, depth + 1));
      return presentIfNull(celMap(m as Map<string, never>));
    }
    case 'function':
    case 'symbol':
    case 'undefined':
      return null;
  }
}

/**
 * cel-es answers has() and `in` on a map as `get(key) != undefined`, so a claim whose value
 * is null read as absent through CEL but present in the native conjuncts: a deny rule on
 * `has(principal.claims.x)` held natively and was escaped with `"x": null` inside `||`. A key
 * is present when the token carries it, null or not, as CEL specifies and JSON means.
 */
function presentIfNull(map: CelMap): CelMap {
  Object.defineProperty(map, 'has', {
    value: (key: unknown) => map.get(key as string) !== undefined,
  });
  return map;
}

interface Context {
  internal: PolicyInternals;
  principal: NormalPrincipal;
  facts: Facts;
  time: Date;
  bindings?: Bindings;
}

function bindingsOf(ctx: Context): Bindings {
  if (ctx.bindings) return ctx.bindings;
  const { internal, principal, facts } = ctx;
  const findings = new Map<string, bigint>();
  for (const t of internal.findingTypes) findings.set(t, 0n);
  for (const [t, n] of facts.findings) findings.set(t, BigInt(n));
  const request = new Map<string, unknown>([
    ['connection', facts.connection],
    ['model', facts.model],
    ['input_count', BigInt(facts.input_count)],
    ['token_count', BigInt(facts.token_count)],
    ['byte_size', BigInt(facts.byte_size)],
    ['hour', BigInt(facts.hour)],
    ['weekday', BigInt(facts.weekday)],
  ]);
  if (internal.usesTime) request.set('time', timestampFromDate(ctx.time));
  const p = new Map<string, unknown>([
    ['id', principal.id],
    ['issuer', principal.issuer],
    ['subject', principal.subject],
    ['roles', celList(facts.roles)],
    ['groups', celList(principal.groups)],
    ['scopes', celList(principal.scopes)],
    // Claims are converted only when some rule reads them.
    [
      'claims',
      internal.usesClaims ? toCel(principal.claims, 1) : celMap(new Map<string, string>()),
    ],
  ]);
  ctx.bindings = {
    principal: celMap(p as Map<string, never>),
    request: celMap(request as Map<string, never>),
    findings: celMap(findings),
  };
  return ctx.bindings;
}

type RuleResult = true | false | { error: string };

function evaluateRule(rule: CompiledRule, ctx: Context): RuleResult {
  const { facts } = ctx;
  if (rule.allow) {
    if (rule.allow.models && !rule.allow.models.test(facts.model)) return false;
    if (rule.allow.connections && !rule.allow.connections.test(facts.connection)) return false;
  }
  // CEL's commutative &&: any false wins over errors; otherwise an error wins over true.
  let error: string | undefined;
  for (const atom of rule.atoms) {
    const r = atom(facts);
    if (r === false) return false;
    if (r !== true) error ??= r;
  }
  if (rule.residual.length === 0) return error === undefined ? true : { error };
  const bindings = bindingsOf(ctx);
  for (const program of rule.residual) {
    let result: unknown;
    try {
      result = program(bindings);
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
    }
    if (result === false) return false;
    if (result === true) continue;
    if (isCelError(result) || result instanceof Error) error ??= result.message;
    else error ??= `condition evaluated to ${typeof result}, not bool`;
  }
  return error === undefined ? true : { error };
}

type DecisionBase = Pick<Decision, 'bundleVersion' | 'bundleHash' | 'roles'>;

// The functions below run for every request: they build objects by assignment rather
// than with conditional spreads, which cost several times more in V8.

function deny(
  base: DecisionBase,
  denyCode: DenyCode,
  reason: string,
  ruleIds: string[],
  errors: RuleErrorReport[],
): Decision {
  const d: Decision = {
    effect: 'deny',
    ruleIds,
    reason,
    denyCode,
    cache: false,
    bundleVersion: base.bundleVersion,
    bundleHash: base.bundleHash,
    roles: base.roles,
  };
  if (errors.length > 0) d.errors = errors;
  return d;
}

/** Non-negative integer count, or -1 when the value is not one. */
function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : -1;
}

function run(
  policy: CompiledPolicy,
  input: EvaluationInput,
  trace: TraceEntry[] | undefined,
): { decision: Decision; roleTrace?: Simulation['roles'] } {
  const internal = policy.internal;
  const noErrors: RuleErrorReport[] = [];

  // --- input
  const principal = normalizePrincipal(input?.principal);
  if (typeof principal === 'string') {
    const base = { bundleVersion: policy.version, bundleHash: policy.hash, roles: [] };
    return { decision: deny(base, 'invalid_input', `invalid request: ${principal}`, [], noErrors) };
  }
  const req = input.request;
  const inputCount = count(req?.inputCount);
  const tokenCount = count(req?.tokenCount);
  const byteSize = count(req?.byteSize);
  const rawTime = req?.time;
  const time =
    rawTime === undefined ? new Date() : rawTime instanceof Date ? rawTime : new Date(rawTime);
  const findings = new Map<string, number>();
  let badFinding: string | undefined;
  if (input.findings) {
    for (const t in input.findings) {
      if (!hasOwn(input.findings, t)) continue;
      const c = count(input.findings[t]);
      if (c < 0) badFinding ??= t;
      else findings.set(t, c);
    }
  }
  if (
    !req ||
    typeof req.model !== 'string' ||
    req.model.length === 0 ||
    (req.connection !== undefined && typeof req.connection !== 'string') ||
    inputCount < 0 ||
    tokenCount < 0 ||
    byteSize < 0 ||
    Number.isNaN(time.getTime()) ||
    badFinding !== undefined
  ) {
    const problems: string[] = [];
    if (!req || typeof req.model !== 'string' || req.model.length === 0)
      problems.push('request.model must be a non-empty string');
    if (req?.connection !== undefined && typeof req.connection !== 'string')
      problems.push('request.connection must be a string');
    if (inputCount < 0) problems.push('request.inputCount must be a non-negative number');
    if (tokenCount < 0) problems.push('request.tokenCount must be a non-negative number');
    if (byteSize < 0) problems.push('request.byteSize must be a non-negative number');
    if (Number.isNaN(time.getTime())) problems.push('request.time is not a valid time');
    if (badFinding !== undefined)
      problems.push(`findings.${badFinding} must be a non-negative number`);
    const base = { bundleVersion: policy.version, bundleHash: policy.hash, roles: principal.roles };
    return {
      decision: deny(
        base,
        'invalid_input',
        `invalid request: ${problems.join('; ')}`,
        [],
        noErrors,
      ),
    };
  }
  const model = req.model;
  const connection = req.connection ?? '';

  // --- roles
  const matched: CompiledRole[] = [];
  const roleTrace: Simulation['roles'] | undefined = trace ? [] : undefined;
  for (const role of internal.roles) {
    let ok = false;
    for (const m of role.matchers) {
      if (matcherMatches(m, principal)) {
        ok = true;
        break;
      }
    }
    if (ok) matched.push(role);
    roleTrace?.push({
      role: role.name,
      matched: ok,
      grantsModel: ok && grants(role, model, connection),
    });
  }
  const roleNames = matched.map((r) => r.name);
  for (const r of principal.roles) if (!roleNames.includes(r)) roleNames.push(r);
  roleNames.sort();
  const base: DecisionBase = {
    bundleVersion: policy.version,
    bundleHash: policy.hash,
    roles: roleNames,
  };
  // CEL conditions over these lists were admitted on a cost that assumes at most MAX_LIST
  // (principal.roles is the token's roles plus the policy roles matched).
  for (const key of internal.boundedLists) {
    if ((key === 'roles' ? roleNames : principal[key]).length > MAX_LIST) {
      const reason = `invalid request: principal has more than ${MAX_LIST} ${key}`;
      return { decision: deny(base, 'invalid_input', reason, [], noErrors) };
    }
  }

  const facts: Facts = {
    model,
    connection,
    id: principal.id,
    issuer: principal.issuer,
    subject: principal.subject,
    input_count: inputCount,
    token_count: tokenCount,
    byte_size: byteSize,
    hour: time.getUTCHours(),
    weekday: time.getUTCDay(),
    roles: roleNames,
    groups: principal.groups,
    scopes: principal.scopes,
    findings,
    claims: principal.claims,
  };
  const ctx: Context = { internal, principal, facts, time };

  // --- rules (all of them when tracing, so the trace is complete)
  const candidates = trace ? internal.rules : (internal.byModel.get(model) ?? internal.unindexed);
  const hits: CompiledRule[] = [];
  let errors = noErrors;
  for (const rule of candidates) {
    const result = evaluateRule(rule, ctx);
    let outcome: RuleOutcome;
    if (result === true) {
      outcome = 'matched';
      hits.push(rule);
    } else if (result === false) {
      outcome = 'not_matched';
    } else {
      outcome = 'error';
      if (errors === noErrors) errors = [];
      errors.push({ ruleId: rule.id, message: result.error });
      // Fail closed: an error never widens access. Restrictive effects apply, allow does not.
      if (rule.effect !== 'allow') hits.push(rule);
    }
    if (trace) {
      const entry: TraceEntry = {
        ruleId: rule.id,
        effect: rule.effect,
        priority: rule.priority,
        file: rule.file,
        outcome,
      };
      if (typeof result === 'object') entry.error = result.error;
      trace.push(entry);
    }
  }

  return {
    decision: combine(internal, base, matched, facts, hits, errors, input.activeGrants),
    roleTrace,
  };
}

function ids(rules: CompiledRule[]): string[] {
  const out = new Array<string>(rules.length);
  for (let i = 0; i < rules.length; i++) out[i] = rules[i].id;
  return out;
}

function combine(
  internal: PolicyInternals,
  base: DecisionBase,
  matched: CompiledRole[],
  facts: Facts,
  hits: CompiledRule[],
  errors: RuleErrorReport[],
  activeGrants: string[] | undefined,
): Decision {
  const { model, connection } = facts;
  if (matched.length === 0)
    return deny(
      base,
      'no_role',
      `no role in the policy matches principal '${facts.id}'`,
      [],
      errors,
    );
  const granting = matched.filter((r) => grants(r, model, connection));
  if (granting.length === 0) {
    const names = matched.map((r) => r.name).join(', ');
    const via = connection ? ` through connection '${connection}'` : '';
    return deny(
      base,
      'not_granted',
      `model '${model}'${via} is not granted to your roles (${names})`,
      [],
      errors,
    );
  }

  // hits are in rule order (priority, then id), so each bucket is too.
  const denies: CompiledRule[] = [];
  const approvals: CompiledRule[] = [];
  const allows: CompiledRule[] = [];
  const masks: CompiledRule[] = [];
  const allowsAndMasks: CompiledRule[] = [];
  for (const r of hits) {
    switch (r.effect) {
      case 'deny':
        denies.push(r);
        break;
      case 'require_approval':
        approvals.push(r);
        break;
      case 'allow':
        allows.push(r);
        allowsAndMasks.push(r);
        break;
      case 'mask':
        masks.push(r);
        allowsAndMasks.push(r);
        break;
    }
  }
  if (denies.length > 0) {
    return deny(
      base,
      'rule_denied',
      denies[0].denyReason ?? `denied by rule ${denies[0].id}`,
      ids(denies),
      errors,
    );
  }
  if (allows.length === 0) {
    return deny(
      base,
      'no_allow_rule',
      `no rule allows principal '${facts.id}' to use model '${model}'`,
      [],
      errors,
    );
  }

  // --- limits: role limits (most generous granting role), overridden per field by allow rules
  const limits = mergeLimits(granting, allows);
  if (
    limits !== undefined &&
    limits.maxBatchSize !== undefined &&
    facts.input_count > limits.maxBatchSize
  ) {
    const setter = allows.find((r) => r.allow?.maxBatchSize !== undefined);
    const reason = `batch of ${facts.input_count} inputs exceeds the limit of ${limits.maxBatchSize}`;
    return deny(base, 'limit_exceeded', reason, setter ? [setter.id] : [], errors);
  }
  if (
    limits !== undefined &&
    limits.maxTokens !== undefined &&
    facts.token_count > limits.maxTokens
  ) {
    const setter = allows.find((r) => r.allow?.maxTokens !== undefined);
    const reason = `request of ${facts.token_count} tokens exceeds the limit of ${limits.maxTokens}`;
    return deny(base, 'limit_exceeded', reason, setter ? [setter.id] : [], errors);
  }

  // --- masking: defaults plus every matching mask rule, stronger strategy wins per type
  const d = internal.defaultMask;
  let mask: MaskPlan | undefined;
  if (masks.length > 0 || (d && Object.keys(d.entities).length > 0)) {
    const key = ids(masks).join('\u0000');
    mask = internal.maskPlans.get(key);
    if (mask === undefined) {
      mask = mergeMasks(d, masks);
      // Bounded: a policy with many mask rules matching in many combinations keeps the
      // first ones; the rest are merged per request as before.
      if (internal.maskPlans.size < MASK_PLAN_CACHE) internal.maskPlans.set(key, mask);
    }
  }

  let cache = internal.defaultCache;
  let cacheSet = false;
  for (const r of allows) {
    const c = r.allow?.cache;
    if (c === false) {
      cache = false;
      break;
    }
    if (c === true && !cacheSet) {
      cache = true;
      cacheSet = true;
    }
  }

  let pending: CompiledRule[] = approvals;
  let grantedBy: string[] | undefined;
  if (activeGrants && activeGrants.length > 0 && approvals.length > 0) {
    pending = approvals.filter((r) => !activeGrants.includes(r.id));
    grantedBy = approvals.filter((r) => activeGrants.includes(r.id)).map((r) => r.id);
  }

  let decision: Decision;
  if (pending.length > 0) {
    const top = pending[0];
    const a = top.approval!;
    const approval: ApprovalSpec = {
      ruleId: top.id,
      approverGroups: a.approverGroups,
      approvals: a.approvals,
      ttl: a.ttl,
      ttlSeconds: a.ttlSeconds,
    };
    if (a.grantTtl) {
      approval.grantTtl = a.grantTtl;
      approval.grantTtlSeconds = a.grantTtlSeconds;
    }
    decision = {
      effect: 'require_approval',
      ruleIds: ids(pending),
      reason: a.reason ?? top.description ?? `request held for approval by rule ${top.id}`,
      approval,
      cache,
      bundleVersion: base.bundleVersion,
      bundleHash: base.bundleHash,
      roles: base.roles,
    };
  } else {
    decision = {
      effect: mask ? 'mask' : 'allow',
      ruleIds: ids(allowsAndMasks),
      cache,
      bundleVersion: base.bundleVersion,
      bundleHash: base.bundleHash,
      roles: base.roles,
    };
  }
  if (mask) decision.mask = mask;
  if (limits) decision.limits = limits;
  if (errors.length > 0) decision.errors = errors;
  if (grantedBy && grantedBy.length > 0) decision.grantedBy = grantedBy;
  return decision;
}

/** The defaults' masking plus each mask rule's, the stronger strategy per type; frozen (shared). */
function mergeMasks(d: MaskPlan | undefined, masks: CompiledRule[]): MaskPlan {
  const entities: Record<string, StrategySpec> = {};
  if (d) for (const entity in d.entities) entities[entity] = d.entities[entity];
  for (const r of masks) {
    const m = r.mask;
    if (m) for (const entity in m) entities[entity] = stronger(entities[entity], m[entity]);
  }
  const plan: MaskPlan = { entities: Object.freeze(entities) };
  if (d?.thresholds) plan.thresholds = d.thresholds;
  if (d?.allowList) plan.allowList = d.allowList;
  if (d?.denyList) plan.denyList = d.denyList;
  return Object.freeze(plan);
}

function stronger(current: StrategySpec | undefined, next: StrategySpec): StrategySpec {
  if (!current) return next;
  const d = STRENGTH[next.strategy] - STRENGTH[current.strategy];
  if (d !== 0) return d > 0 ? next : current;
  // Same strategy: keep_last keeping fewer characters is the stronger one.
  if (next.strategy === 'keep_last' && (next.n ?? 0) < (current.n ?? 0)) return next;
  return current;
}

function mergeLimits(granting: CompiledRole[], allows: CompiledRule[]): Limits | undefined {
  // A principal with several granting roles gets the most generous of them: a field is
  // unlimited if any granting role leaves it unlimited.
  const generous = (read: (l: Limits | undefined) => number | undefined): number | undefined => {
    let best: number | undefined = 0;
    for (const r of granting) {
      const v = read(r.limits);
      if (v === undefined) return undefined;
      best = Math.max(best, v);
    }
    return best;
  };
  // Allow rules are sorted by priority: the highest-priority rule that sets a field wins.
  const override = (
    read: (a: NonNullable<CompiledRule['allow']>) => number | undefined,
  ): number | undefined => {
    for (const r of allows) {
      const v = r.allow ? read(r.allow) : undefined;
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const maxBatchSize = override((a) => a.maxBatchSize) ?? generous((l) => l?.maxBatchSize);
  const maxTokens = override((a) => a.maxTokens) ?? generous((l) => l?.maxTokens);
  const requestsPerMinute =
    override((a) => a.rateLimit?.requestsPerMinute) ??
    generous((l) => l?.rateLimit?.requestsPerMinute);
  const tokensPerMinute =
    override((a) => a.rateLimit?.tokensPerMinute) ?? generous((l) => l?.rateLimit?.tokensPerMinute);
  if (
    maxBatchSize === undefined &&
    maxTokens === undefined &&
    requestsPerMinute === undefined &&
    tokensPerMinute === undefined
  ) {
    return undefined;
  }
  const limits: Limits = {};
  if (maxBatchSize !== undefined) limits.maxBatchSize = maxBatchSize;
  if (maxTokens !== undefined) limits.maxTokens = maxTokens;
  if (requestsPerMinute !== undefined || tokensPerMinute !== undefined) {
    const rateLimit: RateLimit = {};
    if (requestsPerMinute !== undefined) rateLimit.requestsPerMinute = requestsPerMinute;
    if (tokensPerMinute !== undefined) rateLimit.tokensPerMinute = tokensPerMinute;
    limits.rateLimit = rateLimit;
  }
  return limits;
}
