// @embargo/policy: the policy engine. Pure functions over data, no I/O.
export {
  compilePolicy,
  compileBundle,
  createBundle,
  hashSources,
  policySchema,
  type CompileOptions,
} from './compile';
export {
  defaultMaskPlan,
  evaluate,
  simulate,
  needsFindings,
  modelGrants,
  STRATEGY_ORDER,
} from './evaluate';
export {
  runCases,
  runCase,
  parseCases,
  CaseFileError,
  DEFAULT_CASE_TIME,
  type PolicyCase,
} from './cases';
export {
  MAX_BUNDLE_COST,
  MAX_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_LIST,
  MAX_NESTING,
  MAX_NODES,
  MAX_RULE_COST,
} from './cel';
export { globMatch } from './glob';
export type {
  ApprovalSpec,
  Bundle,
  CaseReport,
  CaseResult,
  CompiledPolicy,
  CompileResult,
  Decision,
  DenyCode,
  Effect,
  EvaluationInput,
  Limits,
  MaskPlan,
  PolicyError,
  PolicyFile,
  PrincipalInput,
  RateLimit,
  RequestInput,
  RuleEffect,
  RuleErrorReport,
  RuleOutcome,
  Simulation,
  Strategy,
  StrategySpec,
  TraceEntry,
} from './types';
