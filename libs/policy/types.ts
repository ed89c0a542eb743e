import type { PolicyInternals } from './model';

// Public types of the policy engine. Field names here are part of the bundle and
// decision contracts that travel over Kafka and into audit events: add, never rename.

export type Effect = 'allow' | 'mask' | 'deny' | 'require_approval';
export type RuleEffect = 'allow' | 'deny' | 'mask' | 'require_approval';

export type Strategy = 'redact' | 'replace' | 'keep_last' | 'hash' | 'tokenize' | 'fake';

/** How one entity type is masked. `n` is only meaningful for keep_last. */
export interface StrategySpec {
  strategy: Strategy;
  n?: number;
}

export interface PolicyFile {
  path: string;
  content: string;
}

/** What travels on the bundle topic. `hash` is hashSources(files). */
export interface Bundle {
  version: number;
  hash: string;
  createdAt: string;
  files: PolicyFile[];
}

export interface PolicyError {
  file: string;
  /** 1-based position in the YAML file, when known. */
  line?: number;
  col?: number;
  ruleId?: string;
  /** 1-based column inside the CEL expression, when the error is in one. */
  celColumn?: number;
  message: string;
}

export type CompileResult =
  { ok: true; policy: CompiledPolicy } | { ok: false; errors: PolicyError[] };

export interface RateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface Limits {
  maxBatchSize?: number;
  maxTokens?: number;
  rateLimit?: RateLimit;
}

export interface MaskPlan {
  entities: Record<string, StrategySpec>;
  /** Passed through from `defaults.mask` for the masking engine. */
  thresholds?: Record<string, number>;
  allowList?: string[];
  /** Entity type → values always masked as that type. */
  denyList?: Record<string, string[]>;
}

export interface ApprovalSpec {
  ruleId: string;
  approverGroups: string[];
  approvals: number;
  ttl: string;
  ttlSeconds: number;
  /** Present when an approval may grant time-bound access to the same rule. */
  grantTtl?: string;
  grantTtlSeconds?: number;
}

/** Why a request was denied; stable values, used in audit events and error codes. */
export type DenyCode =
  'invalid_input' | 'no_role' | 'not_granted' | 'rule_denied' | 'no_allow_rule' | 'limit_exceeded';

export interface RuleErrorReport {
  ruleId: string;
  message: string;
}

export interface Decision {
  effect: Effect;
  /** The rules that made the decision (highest priority first). */
  ruleIds: string[];
  reason?: string;
  denyCode?: DenyCode;
  mask?: MaskPlan;
  approval?: ApprovalSpec;
  limits?: Limits;
  cache: boolean;
  bundleVersion: number;
  bundleHash: string;
  /** Role names the principal holds: token roles plus roles matched by the policy. */
  roles: string[];
  /** require_approval rules satisfied by an active grant (input.activeGrants). */
  grantedBy?: string[];
  /** Rules whose condition failed to evaluate (treated fail-closed, see docs/policy.md). */
  errors?: RuleErrorReport[];
}

export interface PrincipalInput {
  id: string;
  issuer: string;
  subject: string;
  /** Roles carried by the token itself; policy role mappings are added to these. */
  roles?: string[];
  groups?: string[];
  scopes?: string[];
  claims?: Record<string, unknown>;
}

export interface RequestInput {
  model: string;
  connection?: string;
  inputCount: number;
  tokenCount: number;
  byteSize: number;
  /** Request time; defaults to now. */
  time?: Date | string | number;
}

export interface EvaluationInput {
  principal: PrincipalInput;
  request: RequestInput;
  /** Entity type → number of findings. Types not listed read as 0. */
  findings?: Record<string, number>;
  /** require_approval rule ids for which this principal holds an unexpired grant. */
  activeGrants?: string[];
}

export type RuleOutcome = 'matched' | 'not_matched' | 'error';

export interface TraceEntry {
  ruleId: string;
  effect: RuleEffect;
  priority: number;
  file: string;
  outcome: RuleOutcome;
  error?: string;
}

export interface Simulation {
  decision: Decision;
  roles: { role: string; matched: boolean; grantsModel: boolean }[];
  rules: TraceEntry[];
}

export interface CaseResult {
  name: string;
  passed: boolean;
  failures: string[];
  decision?: Decision;
}

export interface CaseReport {
  passed: number;
  failed: number;
  results: CaseResult[];
}

/**
 * Produced by compilePolicy/compileBundle, consumed by evaluate & co. Treat `internal`
 * as opaque: its shape is not part of the contract.
 */
export interface CompiledPolicy {
  readonly version: number;
  readonly hash: string;
  readonly ruleCount: number;
  /** @internal */
  readonly internal: PolicyInternals;
}
