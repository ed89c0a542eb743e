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
  allowedModels,
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
export { MAX_EXPRESSION_LENGTH } from './cel';
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
