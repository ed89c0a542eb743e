import { createHash } from 'node:crypto';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  LineCounter,
  parseDocument,
  Scalar,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import { analyze, lineCol, MAX_BUNDLE_COST, splitCondition } from './cel';
import { unknownEntityType } from './entities';
import { globMatch } from './glob';
import type { CompiledRole, CompiledRule, Glob, Matcher, PolicyInternals } from './model';
import policySchema from './policy.schema.json';
import type {
  Bundle,
  CompiledPolicy,
  CompileResult,
  Limits,
  MaskPlan,
  PolicyError,
  PolicyFile,
  RuleEffect,
  Strategy,
  StrategySpec,
} from './types';

export { policySchema };

// Two validators: collecting every error (allErrors) grows with the square of the invalid
// items (a one-line file of 20 000 invalid rules took 10 s), so a file is first checked by
// one that stops at its first error, and only an invalid one is reported on in full, rule by
// rule, until MAX_ERRORS rules have errors.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateFile = ajv.compile(policySchema);
const validateRule = ajv.getSchema(`${policySchema.$id}#/definitions/rule`);
const firstError = new Ajv({ allErrors: false, strict: false });
addFormats(firstError);
const isValidFile = firstError.compile(policySchema);

const DEFAULT_KEEP_LAST = 4;
/**
 * A file with more YAML nodes is refused before validation: the schema check, toJS and the
 * error positions all grow with it. Ten times a large real policy (5 000 rules is ~50 000 nodes).
 */
export const MAX_YAML_NODES = 500_000;
/**
 * Counted before parsing, so an oversized file costs a scan rather than a parse (~2 s for
 * 50 000 lines on a busy CI machine). A large set is split across files.
 */
export const MAX_YAML_LINES = 50_000;
/**
 * Far above any policy mapping (roles of one file, entity maps); also bounds the cost of
 * placing schema errors, which looks each key up in its mapping.
 */
export const MAX_MAP_KEYS = 2_000;
/**
 * Anchors and aliases (`&a`, `*a`) in one file. yaml resolves each alias by scanning every
 * anchor and alias before it, so their cost grows with the square of their number: 20 000 of
 * each took 12 s, stalling every ingress that compiled the bundle. Each anchor is also used at
 * most 100 times (yaml's own limit), so real files stay far below this.
 */
export const MAX_YAML_ANCHORS = 2_000;
/** Errors returned at most; a generated file can otherwise produce one per line. */
export const MAX_ERRORS = 100;
/** Rules in one file: ten times a large real policy. A larger set is split across files. */
export const MAX_RULES_PER_FILE = 5_000;

// ---------------------------------------------------------------------------
// Hashing and bundles

/**
 * sha256 over the sources, sorted by path, each as length-prefixed path and content so
 * no two different sets can serialise alike. The format is stored in bundles: keep it.
 */
export function hashSources(files: readonly PolicyFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash('sha256');
  for (const f of sorted) {
    for (const part of [f.path, f.content]) {
      const bytes = Buffer.from(part, 'utf8');
      h.update(`${bytes.length}:`);
      h.update(bytes);
    }
  }
  return `sha256:${h.digest('hex')}`;
}

export function createBundle(
  files: readonly PolicyFile[],
  version: number,
  createdAt: Date = new Date(),
): Bundle {
  const copy = files.map((f) => ({ path: f.path, content: f.content }));
  return { version, hash: hashSources(copy), createdAt: createdAt.toISOString(), files: copy };
}

/** Compiles a bundle received from Kafka; refuses one whose hash does not match its files. */
export function compileBundle(bundle: Bundle): CompileResult {
  const actual = hashSources(bundle.files);
  if (actual !== bundle.hash) {
    return {
      ok: false,
      errors: [
        {
          file: '<bundle>',
          message: `bundle ${bundle.version} hash mismatch: declared ${bundle.hash}, files hash to ${actual}`,
        },
      ],
    };
  }
  return compilePolicy(bundle.files, { version: bundle.version });
}

// ---------------------------------------------------------------------------
// Compilation

interface RawMatcher {
  issuer?: string | string[];
  subject?: string | string[];
  groups?: string | string[];
  roles?: string | string[];
  scopes?: string | string[];
  claims?: Record<string, string | number | boolean | (string | number | boolean)[]>;
}
interface RawRole {
  description?: string;
  match: RawMatcher | RawMatcher[];
  models: string[];
  connections?: string[];
  limits?: Limits;
}
type RawStrategy = Strategy | StrategySpec;
interface RawRule {
  id: string;
  description?: string;
  priority?: number;
  when?: string;
  allow?:
    | true
    | {
        models?: string[];
        connections?: string[];
        maxBatchSize?: number;
        maxTokens?: number;
        rateLimit?: Limits['rateLimit'];
        cache?: boolean;
      };
  deny?: { reason: string };
  mask?: { entities: Record<string, RawStrategy> };
  require_approval?: {
    approvers: string[];
    approvals?: number;
    ttl: string;
    grantTtl?: string;
    reason?: string;
  };
}
interface RawFile {
  version: 1;
  defaults?: {
    cache?: boolean;
    mask?: {
      entities?: Record<string, RawStrategy>;
      thresholds?: Record<string, number>;
      allowList?: string[];
      denyList?: Record<string, string[]>;
    };
  };
  roles?: Record<string, RawRole>;
  rules?: RawRule[];
}

const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';
/**
 * YAML 1.1 types yaml resolves when tagged explicitly. They become Map, Set, Date or Buffer
 * objects, which the schema takes for mappings without keys: `limits: !!omap [...]` passed as
 * no limits at all, and a `!!omap` deny list masked nothing.
 */
const NON_JSON_TAGS = new Set(
  ['binary', 'omap', 'pairs', 'set', 'timestamp'].map((t) => `${YAML_TAG_PREFIX}${t}`),
);

class FileContext {
  readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(readonly file: PolicyFile) {
    // yaml's own uniqueKeys check compares each key with every earlier one of its map: 40 000
    // keys took minutes. Duplicates are found with a set per map in yamlErrors() instead.
    this.doc = parseDocument(file.content, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: false,
    });
  }

  /**
   * The parser's errors, unresolved tags, duplicate keys (as yaml's uniqueKeys reports them:
   * the later key) and a file over MAX_YAML_NODES, in document order.
   */
  yamlErrors(): PolicyError[] {
    const found: { pos: number; message: string }[] = this.doc.errors.map((e) => ({
      pos: e.pos[0],
      message: e.message.split('\n')[0],
    }));
    // An unknown tag (`!include`, `!secret`) is only a warning to yaml, which then reads the
    // value as if untagged: whatever the author meant the tag to do silently does not happen.
    for (const w of this.doc.warnings)
      if (w.code === 'TAG_RESOLVE_FAILED')
        found.push({ pos: w.pos[0], message: w.message.split('\n')[0] });
    const aliasTargets = this.aliasTargets();
    let nodes = 0;
    let anchored = 0;
    visit(this.doc, (_key, node) => {
      if (++nodes > MAX_YAML_NODES) {
        found.push({ pos: 0, message: `more than ${MAX_YAML_NODES} YAML nodes; split the file` });
        return visit.BREAK;
      }
      if (isAlias(node) || (isNode(node) && node.anchor !== undefined)) {
        if (++anchored > MAX_YAML_ANCHORS) {
          found.push({
            pos: node.range?.[0] ?? 0,
            message: `more than ${MAX_YAML_ANCHORS} anchors and aliases in one file`,
          });
          return visit.BREAK;
        }
      }
      if (isNode(node) && node.tag !== undefined && NON_JSON_TAGS.has(node.tag)) {
        const tag = node.tag;
        found.push({
          pos: node.range?.[0] ?? 0,
          message: `!!${tag.slice(YAML_TAG_PREFIX.length)} is not accepted; a policy holds mappings, lists and plain values`,
        });
        if (found.length >= MAX_ERRORS) return visit.BREAK;
      }
      if (!isMap(node)) return undefined;
      if (node.items.length > MAX_MAP_KEYS) {
        found.push({
          pos: node.range?.[0] ?? 0,
          message: `a mapping with ${node.items.length} keys, more than ${MAX_MAP_KEYS}`,
        });
        return visit.BREAK;
      }
      const seen = new Set<string>();
      for (const pair of node.items) {
        // Scalar keys are equal when they become the same property (toJS makes 1 and "1" both
        // "1", and null ""), or the later one silently replaces the earlier. An alias key
        // (`*k :`) becomes what it names, so it can repeat a key written out in full.
        const key: unknown = pair.key;
        const at = isNode(key) && key.range ? key.range[0] : (node.range?.[0] ?? 0);
        const target: unknown = isAlias(key) ? aliasTargets.get(key) : key;
        if (target === undefined) continue; // an unresolved alias is a parser error already
        if (target !== null && !isScalar(target)) {
          // toJS makes such a key text nobody wrote ("[ a ]"), which may repeat another.
          found.push({
            pos: at,
            message: 'a mapping key must be a plain value, not a list or mapping',
          });
          if (found.length >= MAX_ERRORS) return visit.BREAK;
          continue;
        }
        const value: unknown = isScalar(target) ? target.value : null;
        const text = keyText(value);
        if (!seen.has(text)) {
          seen.add(text);
          continue;
        }
        found.push({ pos: at, message: 'Map keys must be unique' });
        if (found.length >= MAX_ERRORS) return visit.BREAK;
      }
      return undefined;
    });
    return found
      .sort((a, b) => a.pos - b.pos)
      .map(({ pos, message }) => {
        const { line, col } = this.lines.linePos(pos);
        return { file: this.file.path, line, col, message: `YAML: ${message}` };
      });
  }

  /**
   * What each alias names: the last node before it with its anchor, in document order, as
   * yaml resolves them. One pass; Alias.resolve() walks the whole document for every alias.
   */
  private aliasTargets(): Map<Alias, Node> {
    const targets = new Map<Alias, Node>();
    const anchors = new Map<string, Node>();
    let nodes = 0;
    visit(this.doc, (_key, node) => {
      // The main pass reports a file this large; nothing here is read then.
      if (++nodes > MAX_YAML_NODES) return visit.BREAK;
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
      return undefined;
    });
    return targets;
  }

  /** Position of the node at path, or of its nearest existing ancestor. */
  position(path: (string | number)[]): { line?: number; col?: number } {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { line, col };
      }
    }
    return {};
  }

  error(path: (string | number)[], message: string, ruleId?: string): PolicyError {
    return { file: this.file.path, ...this.position(path), ...(ruleId ? { ruleId } : {}), message };
  }

  /**
   * One error per key of the map at `path` that is not an entity type the masking engine
   * knows, placed on the key.
   */
  entityErrors(path: (string | number)[], names: string[], ruleId?: string): PolicyError[] {
    const out: PolicyError[] = [];
    const map: unknown = this.doc.getIn(path, true);
    for (const name of names) {
      const problem = unknownEntityType(name);
      if (!problem) continue;
      const message = `${path.join('.')}: ${problem}`;
      const key = isMap(map)
        ? map.items.find((pair) => isScalar(pair.key) && pair.key.value === name)?.key
        : undefined;
      if (isNode(key) && key.range) {
        const { line, col } = this.lines.linePos(key.range[0]);
        out.push({ file: this.file.path, line, col, ...(ruleId ? { ruleId } : {}), message });
      } else {
        out.push(this.error([...path, name], message, ruleId));
      }
    }
    return out;
  }
}

/** The property name yaml's toJS gives a scalar key. */
function keyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

export interface CompileOptions {
  /** Bundle version the policy is compiled for (0 for ad-hoc sets). */
  version?: number;
  /** Evaluate simple conjuncts natively (default). Off only to cross-check against CEL. */
  nativeAtoms?: boolean;
}

/** The rules at positions `a` and `b` (each ascending), in one list in position order. */
function mergeInOrder(a: number[], b: number[], rules: CompiledRule[]): CompiledRule[] {
  const out: CompiledRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length)
    out.push(rules[j >= b.length || (i < a.length && a[i] < b[j]) ? a[i++] : b[j++]]);
  return out;
}

/** The first line past MAX_YAML_LINES, if the file has one. */
function lineLimitError(file: PolicyFile): PolicyError | undefined {
  let lines = 1;
  for (let i = file.content.indexOf('\n'); i !== -1; i = file.content.indexOf('\n', i + 1)) {
    if (i === file.content.length - 1) break;
    if (++lines > MAX_YAML_LINES)
      return {
        file: file.path,
        line: lines,
        col: 1,
        message: `YAML: more than ${MAX_YAML_LINES} lines in one file; split the policy across files`,
      };
  }
  return undefined;
}

/**
 * Errors of one compilation: at most MAX_ERRORS kept (pushing a huge list with a spread
 * overflowed the stack), the rest counted.
 */
class Errors {
  readonly list: PolicyError[] = [];
  private dropped = 0;
  /** Set when some check stopped early, so the count of the rest is a lower bound. */
  incomplete = false;

  push(...errors: PolicyError[]): void {
    this.add(errors);
  }

  add(errors: Iterable<PolicyError>): void {
    for (const e of errors) {
      if (this.list.length < MAX_ERRORS) this.list.push(e);
      else this.dropped++;
    }
  }

  get length(): number {
    return this.list.length + this.dropped;
  }

  /** At most MAX_ERRORS errors, the last saying how many more there were. */
  failed(): CompileResult {
    if (this.dropped === 0 && !this.incomplete) return { ok: false, errors: this.list };
    const shown = this.list.slice(0, MAX_ERRORS - 1);
    const more = this.length - shown.length;
    const message = this.incomplete
      ? `${more} or more errors not shown`
      : `${more} more errors not shown`;
    return { ok: false, errors: [...shown, { file: '<set>', message }] };
  }
}

/**
 * Schema errors of a file, in full for small files; for an invalid one, the rules are checked
 * one by one until MAX_ERRORS of them have errors (`incomplete` then says there may be more).
 */
function validate(data: unknown): { errors: ErrorObject[]; incomplete: boolean } | undefined {
  if (isValidFile(data)) return undefined;
  const rules =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? (data as { rules?: unknown }).rules
      : undefined;
  if (!validateRule || !Array.isArray(rules)) {
    validateFile(data);
    return { errors: validateFile.errors ?? [], incomplete: false };
  }
  const errors: ErrorObject[] = [];
  if (!validateFile({ ...(data as object), rules: [] }))
    for (const e of validateFile.errors ?? []) errors.push(e);
  let invalidRules = 0;
  for (let i = 0; i < rules.length; i++) {
    if (validateRule(rules[i])) continue;
    if (++invalidRules > MAX_ERRORS) return { errors, incomplete: true };
    for (const e of validateRule.errors ?? [])
      errors.push({ ...e, instancePath: `/rules/${i}${e.instancePath}` });
  }
  return { errors, incomplete: false };
}

/** compilePolicy never throws on input: an unexpected failure is a refusal, not a 500. */
export function compilePolicy(
  files: readonly PolicyFile[],
  options: CompileOptions = {},
): CompileResult {
  try {
    return compile(files, options);
  } catch (err) {
    return {
      ok: false,
      errors: [
        {
          file: '<set>',
          message: `the policy set cannot be compiled: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
    };
  }
}

function compile(files: readonly PolicyFile[], options: CompileOptions): CompileResult {
  const errors = new Errors();
  if (files.length === 0)
    return {
      ok: false,
      errors: [{ file: '<set>', message: 'a policy set needs at least one file' }],
    };

  const parsed: { ctx: FileContext; raw: RawFile }[] = [];
  const seenPaths = new Set<string>();
  for (const file of files) {
    if (seenPaths.has(file.path)) {
      errors.push({ file: file.path, message: 'the same path appears twice in the policy set' });
      continue;
    }
    seenPaths.add(file.path);
    const tooLong = lineLimitError(file);
    if (tooLong) {
      errors.push(tooLong);
      continue;
    }
    const ctx = new FileContext(file);
    const yamlErrors = ctx.yamlErrors();
    if (yamlErrors.length > 0) {
      errors.add(yamlErrors);
      continue;
    }
    let data: unknown;
    try {
      data = ctx.doc.toJS();
    } catch (err) {
      // e.g. "Excessive alias count": an alias bomb is refused like any other YAML error.
      errors.push({ file: file.path, line: 1, col: 1, message: `YAML: ${(err as Error).message}` });
      continue;
    }
    const rules =
      data !== null && typeof data === 'object' ? (data as { rules?: unknown }).rules : undefined;
    if (Array.isArray(rules) && rules.length > MAX_RULES_PER_FILE) {
      errors.push(
        ctx.error(
          ['rules'],
          `${rules.length} rules in one file, more than ${MAX_RULES_PER_FILE}; split the policy across files`,
        ),
      );
      continue;
    }
    const invalid = validate(data);
    if (invalid) {
      errors.add(schemaErrors(ctx, invalid.errors));
      if (invalid.incomplete) errors.incomplete = true;
      continue;
    }
    parsed.push({ ctx, raw: data as RawFile });
  }
  if (errors.length > 0) return errors.failed();

  const roles: CompiledRole[] = [];
  const roleFiles = new Map<string, string>();
  const rules: CompiledRule[] = [];
  const ruleFiles = new Map<string, string>();
  const findingTypes = new Set<string>();
  let usesFindings = false;
  let usesClaims = false;
  let usesTime = false;
  let defaultsFile: string | undefined;
  let defaultCache = true;
  let defaultMask: MaskPlan | undefined;
  const boundedLists = new Set<'roles' | 'groups' | 'scopes'>();
  let totalCost = 0;
  let costliest: { cost: number; error: PolicyError } | undefined;

  for (const { ctx, raw } of parsed) {
    const path = ctx.file.path;
    if (raw.defaults) {
      if (defaultsFile) {
        errors.push(
          ctx.error(
            ['defaults'],
            `defaults are already declared in ${defaultsFile}; declare them in one file of the set`,
          ),
        );
      } else {
        defaultsFile = path;
        defaultCache = raw.defaults.cache ?? true;
        const m = raw.defaults.mask;
        if (m) {
          // The masking engine drops thresholds and deny lists of types it does not know,
          // and refuses a plan naming one, so a typo here must stop the upload.
          for (const field of ['entities', 'thresholds', 'denyList'] as const)
            errors.add(ctx.entityErrors(['defaults', 'mask', field], Object.keys(m[field] ?? {})));
          defaultMask = {
            entities: normalizeStrategies(m.entities ?? {}),
            ...(m.thresholds ? { thresholds: { ...m.thresholds } } : {}),
            ...(m.allowList ? { allowList: [...m.allowList] } : {}),
            ...(m.denyList ? { denyList: { ...m.denyList } } : {}),
          };
        }
      }
    }

    for (const [name, role] of Object.entries(raw.roles ?? {})) {
      const other = roleFiles.get(name);
      if (other) {
        errors.push(ctx.error(['roles', name], `role '${name}' is already declared in ${other}`));
        continue;
      }
      roleFiles.set(name, path);
      const matchers = (Array.isArray(role.match) ? role.match : [role.match]).map(compileMatcher);
      roles.push({
        name,
        file: path,
        matchers,
        models: glob(role.models),
        ...(role.connections ? { connections: glob(role.connections) } : {}),
        ...(role.limits ? { limits: role.limits } : {}),
      });
    }

    for (const [index, rule] of (raw.rules ?? []).entries()) {
      const other = ruleFiles.get(rule.id);
      if (other) {
        errors.push(
          ctx.error(
            ['rules', index, 'id'],
            `rule id '${rule.id}' is already used in ${other}`,
            rule.id,
          ),
        );
        continue;
      }
      ruleFiles.set(rule.id, path);
      if (rule.mask)
        errors.add(
          ctx.entityErrors(
            ['rules', index, 'mask', 'entities'],
            Object.keys(rule.mask.entities),
            rule.id,
          ),
        );

      const source = rule.when ?? 'true';
      const analysis = analyze(source);
      if (analysis.issues.length > 0) {
        for (const issue of analysis.issues)
          errors.push(celError(ctx, index, rule.id, source, issue.offset, issue.message));
        continue;
      }
      const cost = analysis.cost ?? 0;
      totalCost += cost;
      if (!costliest || cost > costliest.cost)
        costliest = { cost, error: ctx.error(['rules', index, 'when'], '', rule.id) };
      usesFindings ||= analysis.usage.findings;
      usesClaims ||= analysis.usage.claims;
      usesTime ||= analysis.usage.time;
      for (const t of analysis.usage.findingTypes) findingTypes.add(t);

      let split: ReturnType<typeof splitCondition>;
      try {
        split = splitCondition(analysis.expr, options.nativeAtoms ?? true);
      } catch (err) {
        errors.push(
          ctx.error(
            ['rules', index, 'when'],
            `cannot plan expression: ${err instanceof Error ? err.message : String(err)}`,
            rule.id,
          ),
        );
        continue;
      }
      for (const list of split.lists) boundedLists.add(list);
      const compiled: CompiledRule = {
        id: rule.id,
        ...(rule.description ? { description: rule.description } : {}),
        file: path,
        priority: rule.priority ?? 0,
        effect: effectOf(rule),
        atoms: split.atoms,
        residual: split.residual,
        ...(split.modelKeys ? { modelKeys: split.modelKeys } : {}),
      };
      if (rule.allow) {
        const a = rule.allow === true ? {} : rule.allow;
        compiled.allow = {
          ...(a.models ? { models: glob(a.models) } : {}),
          ...(a.connections ? { connections: glob(a.connections) } : {}),
          ...(a.maxBatchSize !== undefined ? { maxBatchSize: a.maxBatchSize } : {}),
          ...(a.maxTokens !== undefined ? { maxTokens: a.maxTokens } : {}),
          ...(a.rateLimit ? { rateLimit: { ...a.rateLimit } } : {}),
          ...(a.cache !== undefined ? { cache: a.cache } : {}),
        };
        // An allow limited to exact model names can be indexed like request.model == "x".
        if (!compiled.modelKeys && a.models && a.models.every((m) => !m.includes('*')))
          compiled.modelKeys = [...a.models];
      }
      if (rule.deny) compiled.denyReason = rule.deny.reason;
      if (rule.mask) compiled.mask = normalizeStrategies(rule.mask.entities);
      if (rule.require_approval) {
        const r = rule.require_approval;
        compiled.approval = {
          approverGroups: [...r.approvers],
          approvals: r.approvals ?? 1,
          ttl: r.ttl,
          ttlSeconds: parseDuration(r.ttl),
          ...(r.grantTtl
            ? { grantTtl: r.grantTtl, grantTtlSeconds: parseDuration(r.grantTtl) }
            : {}),
          ...(r.reason ? { reason: r.reason } : {}),
        };
      }
      rules.push(compiled);
    }
  }
  if (errors.length === 0 && costliest && totalCost > MAX_BUNDLE_COST)
    errors.push({
      ...costliest.error,
      message: `the conditions of the set may take ${totalCost} steps per request; the limit is ${MAX_BUNDLE_COST} (the costliest, this one, takes ${costliest.cost})`,
    });
  if (errors.length > 0) return errors.failed();

  rules.sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
  // One pass over the rules (filtering them once per model grew with models × rules): each
  // model's own rules and the unrestricted ones, as positions in priority order, then merged.
  const own = new Map<string, number[]>();
  const unrestricted: number[] = [];
  rules.forEach((r, i) => {
    if (!r.modelKeys) {
      unrestricted.push(i);
      return;
    }
    for (const m of new Set(r.modelKeys)) {
      const list = own.get(m);
      if (list) list.push(i);
      else own.set(m, [i]);
    }
  });
  const unindexed = unrestricted.map((i) => rules[i]);
  const byModel = new Map<string, CompiledRule[]>();
  for (const [m, mine] of own) byModel.set(m, mergeInOrder(mine, unrestricted, rules));

  const internal: PolicyInternals = {
    rules,
    roles,
    byModel,
    unindexed,
    findingTypes: [...findingTypes].sort(),
    usesFindings,
    usesClaims,
    usesTime,
    boundedLists: [...boundedLists].sort(),
    defaultCache,
    ...(defaultMask ? { defaultMask } : {}),
    maskPlans: new Map(),
  };
  const policy: CompiledPolicy = {
    version: options.version ?? 0,
    hash: hashSources(files),
    ruleCount: rules.length,
    internal,
  };
  return { ok: true, policy };
}

function effectOf(rule: RawRule): RuleEffect {
  if (rule.deny) return 'deny';
  if (rule.require_approval) return 'require_approval';
  if (rule.mask) return 'mask';
  return 'allow';
}

function celError(
  ctx: FileContext,
  index: number,
  ruleId: string,
  source: string,
  offset: number | undefined,
  message: string,
): PolicyError {
  const path = ['rules', index, 'when'];
  const base = ctx.error(path, message, ruleId);
  if (offset === undefined) return base;
  const { line: celLine, col: celColumn } = lineCol(source, offset);
  const node: unknown = ctx.doc.getIn(path, true);
  // For a one-line plain or single-quoted scalar the YAML column of the CEL character
  // is exact; for block scalars we give the value's position plus the CEL line/column.
  if (isScalar(node) && node.range && celLine === 1 && !source.includes("'")) {
    const start = ctx.lines.linePos(node.range[0]);
    if (node.type === Scalar.PLAIN || node.type === Scalar.QUOTE_SINGLE) {
      const shift = node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
      return { ...base, line: start.line, col: start.col + shift + celColumn - 1, celColumn };
    }
  }
  return {
    ...base,
    celColumn,
    ...(celLine > 1 ? { message: `${message} (expression line ${celLine})` } : {}),
  };
}

function schemaErrors(ctx: FileContext, raw: ErrorObject[]): PolicyError[] {
  const oneOfPaths = new Set(raw.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const out: PolicyError[] = [];
  const seen = new Set<string>();
  for (const e of raw) {
    // Branch failures of a oneOf at the same place are noise; the oneOf error says it.
    if (e.schemaPath.includes('/oneOf/') && oneOfPaths.has(e.instancePath) && e.keyword !== 'oneOf')
      continue;
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let message: string;
    if (e.keyword === 'oneOf' && /^\/rules\/\d+$/.test(e.instancePath)) {
      message = 'a rule needs exactly one effect: allow, deny, mask or require_approval';
    } else if (e.keyword === 'additionalProperties') {
      message = `unknown field '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    } else if (e.keyword === 'oneOf' && e.schemaPath.includes('strategy')) {
      message =
        'must be a strategy (redact, replace, keep_last, hash, tokenize, fake) or {strategy, n}';
    } else {
      message = e.message ?? 'is invalid';
    }
    const where = e.instancePath === '' ? '' : `${e.instancePath.slice(1).replace(/\//g, '.')}: `;
    const rule =
      typeof path[0] === 'string' && path[0] === 'rules' && typeof path[1] === 'number'
        ? ruleIdAt(ctx, path[1])
        : undefined;
    const err = ctx.error(path, `${where}${message}`, rule);
    const key = `${err.line}:${err.col}:${err.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(err);
  }
  return out;
}

function ruleIdAt(ctx: FileContext, index: number): string | undefined {
  const id: unknown = ctx.doc.getIn(['rules', index, 'id']);
  return typeof id === 'string' ? id : undefined;
}

function normalizeStrategies(entities: Record<string, RawStrategy>): Record<string, StrategySpec> {
  const out: Record<string, StrategySpec> = {};
  for (const [entity, s] of Object.entries(entities)) {
    const spec: StrategySpec = typeof s === 'string' ? { strategy: s } : { ...s };
    if (spec.strategy === 'keep_last' && spec.n === undefined) spec.n = DEFAULT_KEEP_LAST;
    if (spec.strategy !== 'keep_last') delete spec.n;
    out[entity] = spec;
  }
  return out;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * DURATION_UNITS[m[2]];
  return total;
}

export function glob(patterns: string[]): Glob {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wild = patterns.filter((p) => p.includes('*'));
  const test =
    wild.length === 0
      ? exact.size === 1
        ? (
            (only: string) => (value: string) =>
              value === only
          )(patterns[0])
        : (value: string) => exact.has(value)
      : (value: string) => exact.has(value) || wild.some((p) => globMatch(p, value));
  return { patterns: [...patterns], test };
}

function asList(v: string | string[] | undefined): string[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function compileMatcher(raw: RawMatcher): Matcher {
  const m: Matcher = {};
  for (const key of ['issuer', 'subject', 'groups', 'roles', 'scopes'] as const) {
    const list = asList(raw[key]);
    if (list) m[key] = glob(list);
  }
  if (raw.claims) {
    m.claims = Object.entries(raw.claims).map(([name, v]) => [name, Array.isArray(v) ? v : [v]]);
  }
  return m;
}
