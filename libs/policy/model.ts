// Internal shape of a compiled policy. Not exported from index.ts.
import type { CelResult } from '@bufbuild/cel';
import type { Limits, MaskPlan, RateLimit, RuleEffect, StrategySpec } from './types';

/** Plain facts about one request, read by native atoms without touching CEL. */
export interface Facts {
  model: string;
  connection: string;
  id: string;
  issuer: string;
  subject: string;
  input_count: number;
  token_count: number;
  byte_size: number;
  hour: number;
  weekday: number;
  roles: string[];
  groups: string[];
  scopes: string[];
  findings: Map<string, number>;
  claims: Record<string, unknown>;
}

/** true or false, or a string: the error CEL would raise for this conjunct. */
export type Atom = (facts: Facts) => boolean | string;

/** Bindings handed to every planned CEL program of one evaluation. */
export type Bindings = Record<'principal' | 'request' | 'findings', unknown>;
export type CelProgram = (bindings: Bindings) => CelResult;

export interface Glob {
  patterns: string[];
  test(value: string): boolean;
}

export interface CompiledRule {
  id: string;
  description?: string;
  file: string;
  priority: number;
  effect: RuleEffect;
  /** Necessary conditions evaluated in plain JS; all must hold. */
  atoms: Atom[];
  /** The remaining conjuncts of `when`, planned once; combined with CEL's && semantics. */
  residual: CelProgram[];
  /** Exact model names this rule can apply to; undefined means any model. */
  modelKeys?: string[];
  allow?: {
    models?: Glob;
    connections?: Glob;
    maxBatchSize?: number;
    maxTokens?: number;
    rateLimit?: RateLimit;
    cache?: boolean;
  };
  denyReason?: string;
  mask?: Record<string, StrategySpec>;
  approval?: {
    approverGroups: string[];
    approvals: number;
    ttl: string;
    ttlSeconds: number;
    grantTtl?: string;
    grantTtlSeconds?: number;
    reason?: string;
  };
}

export interface Matcher {
  issuer?: Glob;
  subject?: Glob;
  groups?: Glob;
  roles?: Glob;
  scopes?: Glob;
  claims?: [name: string, accepted: (string | number | boolean)[]][];
}

export interface CompiledRole {
  name: string;
  file: string;
  matchers: Matcher[];
  models: Glob;
  connections?: Glob;
  limits?: Limits;
}

export interface PolicyInternals {
  rules: CompiledRule[];
  roles: CompiledRole[];
  byModel: Map<string, CompiledRule[]>;
  unindexed: CompiledRule[];
  /** Entity types referenced as findings.X; pre-filled with 0 so a missing type reads as 0. */
  findingTypes: string[];
  usesFindings: boolean;
  usesClaims: boolean;
  usesTime: boolean;
  /**
   * Principal lists some CEL condition reads: a principal with more than MAX_LIST entries in
   * one is invalid input, since the conditions' cost was bounded assuming at most that.
   */
  boundedLists: ('roles' | 'groups' | 'scopes')[];
  defaultCache: boolean;
  defaultMask?: MaskPlan;
  /**
   * The merged masking plan per set of matching mask rules (keyed by their ids), built once:
   * every request a rule set matches shares the same frozen plan, so the masking engine
   * checks its rules once, not on every request.
   */
  maskPlans: Map<string, Readonly<MaskPlan>>;
}
