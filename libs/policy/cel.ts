// CEL support: environment, a static checker, and the split of a condition into
// native atoms plus planned CEL programs.
//
// @bufbuild/cel 0.6.1 parses and evaluates the full language, but its type checker
// is not public and only handles constants and identifiers (it throws on calls and
// selects). So conditions are checked here with a small checker of our own over the
// parsed AST: undeclared variables, unknown fields of principal/request, unknown
// functions, comparisons between incompatible known types, non-bool results, and
// nested comprehensions; then the expression's size, depth and evaluation cost are bounded
// (see MAX_NESTING, MAX_DEPTH, MAX_RULE_COST).
//
// Evaluating one CEL program costs 1-5 µs in cel-es, too slow for 200 rules inside a
// 50 µs budget, so each `when` is split into its top-level && conjuncts; simple ones
// (request.model == "x", findings.X > 5, "r" in principal.roles ...) become plain JS
// predicates with identical results on the typed inputs we build, and only the rest
// go through CEL.
import { celEnv, parse, plan, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import { isEntityType } from '@embargo/masking';
import { unknownEntityType } from './entities';
import type { Atom, Bindings, CelProgram, Facts } from './model';

export type Expr = ReturnType<typeof parse>['expr'];

export const MAX_EXPRESSION_LENGTH = 4096;
const MAX_COMPREHENSION_NESTING = 1;

/**
 * Brackets and ternaries open at once, counted on the text before parsing: the parser recurses
 * on each (about 30 stack frames a level), so an unbounded count let acceptance depend on how
 * much stack the compiling process had left. Operator chains (`1+1+...`) are parsed in a loop.
 */
export const MAX_NESTING = 32;
/**
 * Depth and size of the parsed expression, checked without recursion before anything
 * recursive (our checker, cel-es planning and evaluation) walks it, so a condition the policy
 * service accepts compiles and evaluates on every ingress whatever its stack.
 */
export const MAX_DEPTH = 64;
export const MAX_NODES = 1000;

/**
 * Evaluation cost budgets, in steps (one step is roughly one node of the expression evaluated
 * once, 0.1-0.4 µs in cel-es). A request visits every rule of its model, so the bundle's
 * budget bounds a request's worst case and a rule's stops one condition taking most of it.
 */
export const MAX_RULE_COST = 50_000;
export const MAX_BUNDLE_COST = 200_000;
/**
 * Elements assumed for a list the policy does not write itself (principal.groups, roles,
 * scopes, claim arrays) and for a claims map. The engine holds inputs to it: a principal with
 * more groups, roles or scopes is invalid input when a CEL condition reads that list, and a
 * longer claim array or object reads as null.
 */
export const MAX_LIST = 1000;
/**
 * Extra steps of `matches` (a compiled RE2 run), and of any string function on a claim: a
 * claim string may fill a 64 KiB token, and cel-es copies it for size() (into an array of
 * characters, 0.7 ms) or lowerAscii() (1.5 ms).
 */
const MATCHES_COST = 20;
const CLAIM_SCAN_COST = 5_000;
/** Elements `split` may return from a claim: one per character of a 64 KiB token. */
const MAX_SPLIT = 65_536;

/**
 * Functions a condition may not call: each call can multiply a string's length (a chain of
 * six `replace` calls on one letter ran for over a minute), and an access rule has no use
 * for building strings.
 */
const GROWING_FUNCTIONS = new Set(['replace', 'format', 'join', 'strings.quote']);

/**
 * A `matches` pattern must be a literal, compiled once with the bundle (compiling one took
 * 0.3 ms here), short, with small counted repeats.
 */
const MAX_PATTERN_LENGTH = 200;
const MAX_PATTERN_REPEAT = 50;

/**
 * Patterns compiled by the checker, reused by every evaluation: cel-es would otherwise
 * compile the pattern each time `matches` runs (0.3 ms; 500 groups took 3.6 ms a request).
 * Only literal patterns the checker accepted are kept, so the map grows with the policies a
 * process compiles; it is cleared if it ever gets large.
 */
const compiledPatterns = new Map<string, RE2JS>();
const MAX_COMPILED_PATTERNS = 10_000;

function compilePattern(pattern: string): RE2JS {
  let re = compiledPatterns.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(pattern, re);
  }
  return re;
}

export const celEnvironment: CelEnv = celEnv({
  funcs: strings,
  re2: { compile: (pattern: string) => compilePattern(pattern) },
});

const knownFunctions = new Set<string>();
for (const fn of celEnvironment.funcs) knownFunctions.add(fn.name);
// Operators handled by the planner itself rather than as registered functions.
for (const op of [
  '_&&_',
  '_||_',
  '!_',
  '_?_:_',
  '@not_strictly_false',
  '_[_]',
  '@in',
  '_==_',
  '_!=_',
]) {
  knownFunctions.add(op);
}

type Ty =
  | 'string'
  | 'int'
  | 'uint'
  | 'double'
  | 'bool'
  | 'bytes'
  | 'null'
  | 'list'
  | 'map'
  | 'timestamp'
  | 'duration'
  | 'dyn';

const PRINCIPAL_FIELDS: Record<string, Ty> = {
  id: 'string',
  issuer: 'string',
  subject: 'string',
  roles: 'list',
  groups: 'list',
  scopes: 'list',
  claims: 'map',
};
const REQUEST_FIELDS: Record<string, Ty> = {
  connection: 'string',
  model: 'string',
  input_count: 'int',
  token_count: 'int',
  byte_size: 'int',
  time: 'timestamp',
  hour: 'int',
  weekday: 'int',
};

export interface CelIssue {
  message: string;
  /** 0-based offset into the expression source. */
  offset?: number;
}

export interface CelUsage {
  findings: boolean;
  findingTypes: Set<string>;
  claims: boolean;
  time: boolean;
}

export interface Analysis {
  expr?: Expr;
  /** Steps one evaluation may take at most (see costOf). */
  cost?: number;
  issues: CelIssue[];
  usage: CelUsage;
  positions: Record<string, number>;
}

export function analyze(source: string): Analysis {
  const usage: CelUsage = { findings: false, findingTypes: new Set(), claims: false, time: false };
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return {
      issues: [
        {
          message: `expression is ${source.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}`,
        },
      ],
      usage,
      positions: {},
    };
  }
  const nesting = nestingOf(source);
  if (nesting > MAX_NESTING)
    return {
      issues: [
        {
          message: `expression nests ${nesting} brackets and ternaries; the limit is ${MAX_NESTING}`,
        },
      ],
      usage,
      positions: {},
    };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const m = /^<input>:(\d+):(\d+): (.*)$/s.exec(text);
    if (m)
      return {
        issues: [
          {
            message: `syntax error: ${m[3]}`,
            offset: offsetOf(source, Number(m[1]), Number(m[2])),
          },
        ],
        usage,
        positions: {},
      };
    // MAX_NESTING keeps the parser far from the stack's end; should it get there anyway (a
    // caller already deep in its stack), report it rather than crash.
    if (err instanceof RangeError)
      return { issues: [{ message: 'expression is nested too deeply' }], usage, positions: {} };
    return { issues: [{ message: `syntax error: ${text}` }], usage, positions: {} };
  }
  const positions: Record<string, number> = {};
  for (const [id, pos] of Object.entries(parsed.sourceInfo?.positions ?? {})) positions[id] = pos;
  const shape = shapeOf(parsed.expr);
  if (shape.depth > MAX_DEPTH || shape.nodes > MAX_NODES)
    return {
      issues: [
        {
          message:
            shape.depth > MAX_DEPTH
              ? `expression is nested more than ${MAX_DEPTH} levels deep (split a long chain of + or - with parentheses, or across rules)`
              : `expression has more than ${MAX_NODES} parts; split it across rules`,
        },
      ],
      usage,
      positions,
    };
  const checker = new Checker(positions, usage);
  let ty: Ty;
  try {
    ty = checker.type(parsed.expr, new Set(), 0);
  } catch (err) {
    if (err instanceof RangeError)
      return { issues: [{ message: 'expression is nested too deeply' }], usage, positions };
    throw err;
  }
  if (checker.issues.length === 0 && ty !== 'bool' && ty !== 'dyn') {
    checker.issues.push({ message: `condition must evaluate to a bool, not ${ty}`, offset: 0 });
  }
  const cost = costOf(parsed.expr, new Map()).cost;
  if (checker.issues.length === 0 && cost > MAX_RULE_COST)
    checker.issues.push({
      message: `condition may take ${cost} steps per evaluation; the limit is ${MAX_RULE_COST} (a list from the token counts as ${MAX_LIST} elements, so work inside exists/all/map/filter, 'in' a list and matches() multiply)`,
      offset: 0,
    });
  return { expr: parsed.expr, issues: checker.issues, usage, positions, cost };
}

/**
 * The most brackets and ternaries open at any point of the text, outside string literals
 * and comments. Conservative: every `?` counts as still open to the end.
 */
function nestingOf(source: string): number {
  let open = 0;
  let ternaries = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'") {
      i = stringEnd(source, i);
    } else if (c === '/' && source[i + 1] === '/') {
      const nl = source.indexOf('\n', i);
      i = nl < 0 ? source.length : nl;
    } else if (c === '(' || c === '[' || c === '{') {
      max = Math.max(max, ++open + ternaries);
    } else if (c === ')' || c === ']' || c === '}') {
      if (open > 0) open--;
    } else if (c === '?') {
      max = Math.max(max, open + ++ternaries);
    }
  }
  return max;
}

/** Index of the closing quote of the string literal opening at `start` (or the text's end). */
function stringEnd(source: string, start: number): number {
  const q = source[start];
  // r"..." and rb"..." take backslashes literally.
  let p = start - 1;
  let raw = false;
  while (p >= 0 && p >= start - 2 && /[rRbB]/.test(source[p])) {
    if (source[p] === 'r' || source[p] === 'R') raw = true;
    p--;
  }
  if (p >= 0 && /[\w]/.test(source[p])) raw = false;
  const triple = source[start + 1] === q && source[start + 2] === q;
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  while (i < source.length) {
    if (!raw && source[i] === '\\') {
      i += 2;
      continue;
    }
    if (source.startsWith(close, i)) return i + close.length - 1;
    if (!triple && source[i] === '\n') return i;
    i++;
  }
  return source.length;
}

function childrenOf(e: Expr): (Expr | undefined)[] {
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      return [k.value.operand];
    case 'callExpr':
      return [k.value.target, ...k.value.args];
    case 'listExpr':
      return k.value.elements;
    case 'structExpr':
      return k.value.entries.flatMap((en) => [
        en.keyKind.case === 'mapKey' ? en.keyKind.value : undefined,
        en.value,
      ]);
    case 'comprehensionExpr': {
      const c = k.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result];
    }
    default:
      return [];
  }
}

/** Depth and node count of a parsed expression, without recursion (it may be arbitrarily deep). */
function shapeOf(root: Expr): { depth: number; nodes: number } {
  let depth = 0;
  let nodes = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop() as [Expr, number];
    nodes++;
    if (d > depth) depth = d;
    if (depth > MAX_DEPTH || nodes > MAX_NODES) break;
    for (const child of childrenOf(e)) if (child) stack.push([child, d + 1]);
  }
  return { depth, nodes };
}

// ---------------------------------------------------------------------------
// Static cost: an upper bound on the steps one evaluation of a condition takes.

interface Cost {
  cost: number;
  /** Most elements, when the value may be a list (or a map to iterate); 0 otherwise. */
  bound: number;
  /** A string known to be short (a name, a group), so scanning it is one step. */
  short?: boolean;
}

interface Local {
  bound: number;
  short: boolean;
  /** A comprehension's accumulator: appending to it is one step, not a copy. */
  accu?: boolean;
}

const SHORT_STRINGS = new Set([
  'principal.id',
  'principal.issuer',
  'principal.subject',
  'request.model',
  'request.connection',
]);
const TOKEN_LISTS = new Set(['principal.groups', 'principal.roles', 'principal.scopes']);
const STRING_SCANS = new Set([
  'contains',
  'startsWith',
  'endsWith',
  'lowerAscii',
  'upperAscii',
  'trim',
  'indexOf',
  'lastIndexOf',
  'substring',
]);

/**
 * Steps of one evaluation, every node counted once except: a comprehension's body once per
 * element of its range, `in` a list once per element, `+` of lists once per element, matches()
 * and a scan of a claim string a fixed extra. Lists the policy does not write count as MAX_LIST
 * elements. Called after shapeOf, so the recursion is at most MAX_DEPTH deep.
 */
function costOf(e: Expr | undefined, locals: Map<string, Local>): Cost {
  if (!e) return { cost: 0, bound: 0 };
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr': {
      const local = locals.get(k.value.name);
      if (local) return { cost: 1, bound: local.bound, short: local.short };
      // findings is a map looked up by key; principal and request are records.
      return { cost: 1, bound: 0 };
    }
    case 'selectExpr': {
      const operand = costOf(k.value.operand, locals);
      const path = pathOf(e);
      if (k.value.testOnly) return { cost: operand.cost + 1, bound: 0 };
      if (path && SHORT_STRINGS.has(path)) return { cost: operand.cost + 1, bound: 0, short: true };
      if (path && (TOKEN_LISTS.has(path) || path === 'principal.claims'))
        return { cost: operand.cost + 1, bound: MAX_LIST };
      const root = k.value.operand;
      if (
        root?.exprKind.case === 'identExpr' &&
        !locals.has(root.exprKind.value.name) &&
        ['request', 'findings'].includes(root.exprKind.value.name)
      )
        return { cost: operand.cost + 1, bound: 0, short: true };
      // A claim or a field of one: any JSON value, a list or map as long as the token allows.
      return { cost: operand.cost + 1, bound: MAX_LIST };
    }
    case 'constExpr':
      return { cost: 1, bound: 0, short: true };
    case 'listExpr': {
      let cost = 1;
      for (const el of k.value.elements) cost += costOf(el, locals).cost;
      return { cost, bound: k.value.elements.length };
    }
    case 'structExpr': {
      let cost = 1;
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') cost += costOf(en.keyKind.value, locals).cost;
        cost += costOf(en.value, locals).cost;
      }
      return { cost, bound: k.value.entries.length };
    }
    case 'callExpr': {
      const { function: fn, target, args } = k.value;
      const t = costOf(target, locals);
      const a = args.map((x) => costOf(x, locals));
      let cost = 1 + t.cost + a.reduce((sum, x) => sum + x.cost, 0);
      let bound = 0;
      if (fn === '@in' && a[1]) {
        // A map (findings, the claims map, a map literal) is a lookup; a list is a scan.
        const right = args[1];
        const isMap =
          right?.exprKind.case === 'structExpr' ||
          (right?.exprKind.case === 'identExpr' && right.exprKind.value.name === 'findings') ||
          (right !== undefined && pathOf(right) === 'principal.claims');
        if (!isMap) cost += a[1].bound;
      } else if (fn === '_+_' && a[0] && a[1]) {
        bound = a[0].bound + a[1].bound;
        const appending = args.some(
          (x) => x.exprKind.case === 'identExpr' && locals.get(x.exprKind.value.name)?.accu,
        );
        if (!appending) cost += bound;
      } else if (fn === 'split') {
        // One element per separator: a claim string (up to the token's 64 KiB) splits into
        // far more than MAX_LIST elements, a name into at most about a thousand.
        bound = t.short ? MAX_LIST : MAX_SPLIT;
        cost += bound;
      } else if (fn === 'matches') {
        cost += MATCHES_COST + ((target ? t : a[0])?.short ? 0 : CLAIM_SCAN_COST);
      } else if (STRING_SCANS.has(fn) && target && !t.short) {
        cost += CLAIM_SCAN_COST;
      } else if (fn === 'size') {
        // size() of a list or map is its length; of a string, a copy of it.
        const arg = target ?? args[0];
        const argCost = target ? t : a[0];
        const path = arg ? pathOf(arg) : undefined;
        if (argCost && !argCost.short && !(path && TOKEN_LISTS.has(path))) cost += CLAIM_SCAN_COST;
      } else if ((fn === '_==_' || fn === '_!=_') && a[0] && a[1]) {
        // Lists and maps compare element by element.
        cost += Math.min(a[0].bound, a[1].bound);
      }
      // A result built only from short values (string(1), a name lowered) is short too.
      const short = (!target || t.short === true) && a.every((x) => x.short === true);
      return { cost, bound, short };
    }
    case 'comprehensionExpr': {
      const c = k.value;
      const range = costOf(c.iterRange, locals);
      const n = range.bound > 0 ? range.bound : MAX_LIST;
      const init = costOf(c.accuInit, locals);
      const inner = new Map(locals);
      // Elements of a principal list are names; of a claim, any JSON value, but together no
      // longer than the token, so scanning each is counted as one step.
      const rangePath = c.iterRange ? pathOf(c.iterRange) : undefined;
      const named = rangePath !== undefined && TOKEN_LISTS.has(rangePath);
      const constants =
        c.iterRange?.exprKind.case === 'listExpr' &&
        c.iterRange.exprKind.value.elements.every((x) => x.exprKind.case === 'constExpr');
      const element: Local =
        named || constants ? { bound: 0, short: true } : { bound: MAX_LIST, short: true };
      inner.set(c.iterVar, element);
      if (c.iterVar2) inner.set(c.iterVar2, element);
      const accuIsList = c.accuInit?.exprKind.case === 'listExpr';
      inner.set(c.accuVar, { bound: accuIsList ? n : 0, short: false, accu: true });
      const cond = costOf(c.loopCondition, inner);
      const step = costOf(c.loopStep, inner);
      const result = costOf(c.result, inner);
      return {
        cost: range.cost + init.cost + n * (cond.cost + step.cost) + result.cost,
        bound: accuIsList ? n : 0,
      };
    }
    default:
      return { cost: 1, bound: 0 };
  }
}

function offsetOf(source: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return offset + col - 1;
}

/** 1-based line and column of an offset inside an expression. */
export function lineCol(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const NUMERIC = new Set<Ty>(['int', 'uint', 'double']);
const ORDERED = new Set<Ty>([
  'int',
  'uint',
  'double',
  'string',
  'bool',
  'bytes',
  'timestamp',
  'duration',
]);

function comparable(a: Ty, b: Ty): boolean {
  if (a === 'dyn' || b === 'dyn') return true;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return true;
  return a === b;
}

type ConstantCase = Extract<
  Expr['exprKind'],
  { case: 'constExpr' }
>['value']['constantKind']['case'];

function constType(kind: ConstantCase): Ty {
  switch (kind) {
    case 'boolValue':
      return 'bool';
    case 'int64Value':
      return 'int';
    case 'uint64Value':
      return 'uint';
    case 'doubleValue':
      return 'double';
    case 'stringValue':
      return 'string';
    case 'bytesValue':
      return 'bytes';
    case 'nullValue':
      return 'null';
    case 'durationValue':
      return 'duration';
    case 'timestampValue':
      return 'timestamp';
    case undefined:
      return 'dyn';
  }
}

class Checker {
  readonly issues: CelIssue[] = [];
  constructor(
    private readonly positions: Record<string, number>,
    private readonly usage: CelUsage,
  ) {}

  private issue(expr: Expr, message: string): void {
    this.issues.push({ message, offset: this.positions[String(expr.id)] });
  }

  type(expr: Expr | undefined, locals: Set<string>, depth: number): Ty {
    if (!expr) return 'dyn';
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return constType(kind.value.constantKind.case);
      case 'identExpr': {
        const name = kind.value.name;
        if (locals.has(name)) return 'dyn';
        if (name === 'principal' || name === 'request') return 'map';
        if (name === 'findings') {
          this.usage.findings = true;
          return 'map';
        }
        this.issue(expr, `undeclared reference to '${name}' (known: principal, request, findings)`);
        return 'dyn';
      }
      case 'selectExpr': {
        const { operand, field, testOnly } = kind.value;
        const root =
          operand?.exprKind.case === 'identExpr' && !locals.has(operand.exprKind.value.name)
            ? operand.exprKind.value.name
            : undefined;
        this.type(operand, locals, depth);
        if (root === 'principal') {
          const ty = PRINCIPAL_FIELDS[field];
          if (!ty)
            this.issue(
              expr,
              `principal has no field '${field}' (fields: ${Object.keys(PRINCIPAL_FIELDS).join(', ')})`,
            );
          if (field === 'claims') this.usage.claims = true;
          return testOnly ? 'bool' : (ty ?? 'dyn');
        }
        if (root === 'request') {
          const ty = REQUEST_FIELDS[field];
          if (!ty)
            this.issue(
              expr,
              `request has no field '${field}' (fields: ${Object.keys(REQUEST_FIELDS).join(', ')})`,
            );
          if (field === 'time') this.usage.time = true;
          return testOnly ? 'bool' : (ty ?? 'dyn');
        }
        if (root === 'findings') {
          this.recordFindingType(expr, field);
          return testOnly ? 'bool' : 'int';
        }
        return testOnly ? 'bool' : 'dyn';
      }
      case 'callExpr': {
        const { function: fn, target, args } = kind.value;
        if (!knownFunctions.has(fn)) {
          this.issue(expr, `unknown function '${fn}'`);
        } else if (GROWING_FUNCTIONS.has(fn)) {
          this.issue(
            expr,
            `'${fn}' is not allowed in policy conditions: it can grow strings without bound`,
          );
        }
        if (fn === 'matches') this.checkPattern(expr, target ? args[0] : args[1]);
        const targetTy = target ? this.type(target, locals, depth) : undefined;
        const argTys = args.map((a) => this.type(a, locals, depth));
        const [a, b] = argTys;
        switch (fn) {
          case '_==_':
          case '_!=_':
            if (a && b && !comparable(a, b) && a !== 'null' && b !== 'null') {
              this.issue(
                expr,
                `comparing ${a} with ${b} is always ${fn === '_==_' ? 'false' : 'true'}`,
              );
            }
            return 'bool';
          case '_<_':
          case '_<=_':
          case '_>_':
          case '_>=_':
            if (
              a &&
              b &&
              (!comparable(a, b) ||
                (a !== 'dyn' && !ORDERED.has(a)) ||
                (b !== 'dyn' && !ORDERED.has(b)))
            ) {
              this.issue(expr, `no ordering between ${a} and ${b}`);
            }
            return 'bool';
          case '_&&_':
          case '_||_':
          case '!_':
            for (const [i, t] of argTys.entries()) {
              if (t !== 'bool' && t !== 'dyn')
                this.issue(args[i], `logical operator needs bool operands, not ${t}`);
            }
            return 'bool';
          case '@in':
            if (b && b !== 'list' && b !== 'map' && b !== 'dyn')
              this.issue(expr, `'in' needs a list or map on the right, not ${b}`);
            if (args[0] && args[1]) this.recordFindingIndex(args[1], args[0]);
            return 'bool';
          case '_[_]':
            if (args[0] && args[1]) {
              if (this.recordFindingIndex(args[0], args[1])) return 'int';
            }
            return 'dyn';
          case 'size':
            return 'int';
          case 'contains':
          case 'startsWith':
          case 'endsWith':
          case 'matches':
            return 'bool';
          case 'int':
          case 'getHours':
          case 'getDayOfWeek':
          case 'getMinutes':
          case 'getFullYear':
          case 'getMonth':
          case 'getDayOfMonth':
          case 'getDayOfYear':
            return 'int';
          case 'double':
            return 'double';
          case 'string':
          case 'lowerAscii':
          case 'upperAscii':
          case 'trim':
            return 'string';
          case 'timestamp':
            return 'timestamp';
          case 'duration':
            return 'duration';
          case '_+_':
            return a === b && a !== undefined && (a === 'string' || a === 'list' || NUMERIC.has(a))
              ? a
              : 'dyn';
          case '_-_':
          case '_*_':
          case '_/_':
          case '_%_':
            return a === b && a !== undefined && NUMERIC.has(a) ? a : 'dyn';
          default:
            void targetTy;
            return 'dyn';
        }
      }
      case 'listExpr':
        for (const e of kind.value.elements) this.type(e, locals, depth);
        return 'list';
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') this.type(entry.keyKind.value, locals, depth);
          this.type(entry.value, locals, depth);
        }
        return kind.value.messageName ? 'dyn' : 'map';
      case 'comprehensionExpr': {
        const c = kind.value;
        if (depth + 1 > MAX_COMPREHENSION_NESTING) {
          this.issue(
            expr,
            'nested comprehensions (exists/all/map/filter inside another) are not allowed: their cost grows with the product of input sizes',
          );
        }
        // A comprehension over another one's result nests as surely as one inside its step:
        // chained map() calls doubled a list 24 times and ran for 34 s.
        this.type(c.iterRange, locals, depth + 1);
        this.type(c.accuInit, locals, depth);
        const inner = new Set(locals);
        inner.add(c.iterVar);
        if (c.iterVar2) inner.add(c.iterVar2);
        inner.add(c.accuVar);
        this.type(c.loopCondition, inner, depth + 1);
        this.type(c.loopStep, inner, depth + 1);
        const result = this.type(c.result, inner, depth);
        return result;
      }
      case undefined:
        return 'dyn';
    }
  }

  private checkPattern(call: Expr, pattern: Expr | undefined): void {
    const literal =
      pattern?.exprKind.case === 'constExpr' &&
      pattern.exprKind.value.constantKind.case === 'stringValue'
        ? pattern.exprKind.value.constantKind.value
        : undefined;
    if (literal === undefined) {
      this.issue(call, 'matches() takes a string literal pattern');
      return;
    }
    if (literal.length > MAX_PATTERN_LENGTH) {
      this.issue(call, `matches() pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
      return;
    }
    for (const m of literal.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
      if (Math.max(Number(m[1]), Number(m[2] || 0)) > MAX_PATTERN_REPEAT) {
        this.issue(call, `matches() pattern repeats more than ${MAX_PATTERN_REPEAT} times`);
        return;
      }
    }
    try {
      compilePattern(literal);
    } catch (err) {
      this.issue(
        call,
        `matches() pattern is not a valid RE2 expression: ${(err as Error).message}`,
      );
    }
  }

  /** findings["X"] or "X" in findings: check X as findings.X. Returns whether base is findings. */
  private recordFindingIndex(base: Expr, key: Expr): boolean {
    if (base.exprKind.case !== 'identExpr' || base.exprKind.value.name !== 'findings') return false;
    if (
      key.exprKind.case === 'constExpr' &&
      key.exprKind.value.constantKind.case === 'stringValue'
    ) {
      this.recordFindingType(key, key.exprKind.value.constantKind.value);
    }
    return true;
  }

  /**
   * A type the masking engine never reports would read as 0 for ever, so a deny on it
   * would never fire: refuse it. A known one is recorded so it is pre-filled with 0.
   */
  private recordFindingType(at: Expr, name: string): void {
    const problem = unknownEntityType(name);
    if (problem) this.issue(at, problem);
    else this.usage.findingTypes.add(name);
  }
}

// ---------------------------------------------------------------------------
// Splitting a condition into native atoms and planned CEL programs.

export interface SplitCondition {
  atoms: Atom[];
  residual: CelProgram[];
  modelKeys?: string[];
  /** Principal lists the CEL programs read (native atoms scan them cheaply in JS). */
  lists: Set<'roles' | 'groups' | 'scopes'>;
}

function listsRead(e: Expr | undefined, out: Set<'roles' | 'groups' | 'scopes'>): void {
  if (!e) return;
  const path = pathOf(e);
  if (path === 'principal.roles') out.add('roles');
  else if (path === 'principal.groups') out.add('groups');
  else if (path === 'principal.scopes') out.add('scopes');
  for (const child of childrenOf(e)) listsRead(child, out);
}

// Readers with static property names keep the property loads monomorphic (a keyed
// load f[name] with a variable name is several times slower on the hot path).
const STRING_FACTS: Record<string, (f: Facts) => string> = {
  'request.model': (f) => f.model,
  'request.connection': (f) => f.connection,
  'principal.id': (f) => f.id,
  'principal.issuer': (f) => f.issuer,
  'principal.subject': (f) => f.subject,
};
const INT_FACTS: Record<string, (f: Facts) => number> = {
  'request.input_count': (f) => f.input_count,
  'request.token_count': (f) => f.token_count,
  'request.byte_size': (f) => f.byte_size,
  'request.hour': (f) => f.hour,
  'request.weekday': (f) => f.weekday,
};
const LIST_FACTS: Record<string, (f: Facts) => string[]> = {
  'principal.roles': (f) => f.roles,
  'principal.groups': (f) => f.groups,
  'principal.scopes': (f) => f.scopes,
};

export function splitCondition(expr: Expr | undefined, native = true): SplitCondition {
  const out: SplitCondition = { atoms: [], residual: [], lists: new Set() };
  if (!expr) return out;
  const conjuncts: Expr[] = [];
  const flatten = (e: Expr): void => {
    if (
      e.exprKind.case === 'callExpr' &&
      e.exprKind.value.function === '_&&_' &&
      !e.exprKind.value.target
    ) {
      for (const arg of e.exprKind.value.args) flatten(arg);
    } else {
      conjuncts.push(e);
    }
  };
  flatten(expr);
  for (const c of conjuncts) {
    const atom = native ? toAtom(c) : undefined;
    if (atom) {
      out.atoms.push(atom.test);
      if (atom.modelKeys && !out.modelKeys) out.modelKeys = atom.modelKeys;
    } else {
      listsRead(c, out.lists);
      const program = plan(celEnvironment, c);
      out.residual.push(program as unknown as CelProgram);
    }
  }
  return out;
}

/** `principal.id` / `request.model` style path of a select on a declared variable. */
function pathOf(e: Expr): string | undefined {
  if (e.exprKind.case !== 'selectExpr' || e.exprKind.value.testOnly) return undefined;
  const operand = e.exprKind.value.operand;
  if (operand?.exprKind.case !== 'identExpr') return undefined;
  return `${operand.exprKind.value.name}.${e.exprKind.value.field}`;
}

function findingOf(e: Expr): string | undefined {
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const operand = e.exprKind.value.operand;
    if (operand?.exprKind.case === 'identExpr' && operand.exprKind.value.name === 'findings')
      return e.exprKind.value.field;
  }
  if (
    e.exprKind.case === 'callExpr' &&
    e.exprKind.value.function === '_[_]' &&
    !e.exprKind.value.target
  ) {
    const [base, key] = e.exprKind.value.args;
    if (
      base?.exprKind.case === 'identExpr' &&
      base.exprKind.value.name === 'findings' &&
      key?.exprKind.case === 'constExpr' &&
      key.exprKind.value.constantKind.case === 'stringValue'
    ) {
      const name = key.exprKind.value.constantKind.value;
      return isEntityType(name) ? name : undefined;
    }
  }
  return undefined;
}

function stringConst(e: Expr): string | undefined {
  return e.exprKind.case === 'constExpr' && e.exprKind.value.constantKind.case === 'stringValue'
    ? e.exprKind.value.constantKind.value
    : undefined;
}

function intConst(e: Expr): number | undefined {
  if (e.exprKind.case !== 'constExpr' || e.exprKind.value.constantKind.case !== 'int64Value')
    return undefined;
  const v = e.exprKind.value.constantKind.value;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : undefined;
}

function stringListConst(e: Expr): string[] | undefined {
  if (e.exprKind.case !== 'listExpr' || e.exprKind.value.optionalIndices.length > 0)
    return undefined;
  const out: string[] = [];
  for (const el of e.exprKind.value.elements) {
    const s = stringConst(el);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

const FLIP: Record<string, string> = {
  '_<_': '_>_',
  '_<=_': '_>=_',
  '_>_': '_<_',
  '_>=_': '_<=_',
  '_==_': '_==_',
  '_!=_': '_!=_',
};

function compareInt(op: string, read: (f: Facts) => number, lit: number): Atom | undefined {
  switch (op) {
    case '_==_':
      return (f) => read(f) === lit;
    case '_!=_':
      return (f) => read(f) !== lit;
    case '_<_':
      return (f) => read(f) < lit;
    case '_<=_':
      return (f) => read(f) <= lit;
    case '_>_':
      return (f) => read(f) > lit;
    case '_>=_':
      return (f) => read(f) >= lit;
    default:
      return undefined;
  }
}

/**
 * A conjunct as a JS predicate, when its CEL result on our typed bindings can only be
 * true or false and we can reproduce it exactly. Anything else stays CEL.
 */
function toAtom(e: Expr): { test: Atom; modelKeys?: string[] } | undefined {
  if (e.exprKind.case === 'constExpr' && e.exprKind.value.constantKind.case === 'boolValue') {
    const v = e.exprKind.value.constantKind.value;
    return { test: () => v };
  }
  const hasClaim = claimOf(e, true);
  if (hasClaim !== undefined) return { test: (f) => hasOwn(f.claims, hasClaim) };
  if (e.exprKind.case !== 'callExpr' || e.exprKind.value.target) return undefined;
  const { function: fn, args } = e.exprKind.value;
  if (args.length !== 2) return undefined;
  let [l, r] = args as [Expr, Expr];
  let op = fn;

  if (op === '@in') {
    const path = pathOf(r);
    const listFact = path ? LIST_FACTS[path] : undefined;
    const needle = stringConst(l);
    if (listFact && needle !== undefined) return { test: (f) => listFact(f).includes(needle) };
    const lpath = pathOf(l);
    const stringFact = lpath ? STRING_FACTS[lpath] : undefined;
    const values = stringListConst(r);
    const claim = claimOf(l, false);
    if (claim !== undefined && values) {
      const set = new Set(values);
      return {
        test: (f) =>
          hasOwn(f.claims, claim)
            ? isString(f.claims[claim]) && set.has(f.claims[claim])
            : missing(claim),
      };
    }
    if (stringFact && values) {
      const set = new Set(values);
      return {
        test: (f) => set.has(stringFact(f)),
        modelKeys: lpath === 'request.model' ? values : undefined,
      };
    }
    return undefined;
  }
  if (!(op in FLIP)) return undefined;
  // Put the variable on the left.
  if (l.exprKind.case === 'constExpr') {
    [l, r] = [r, l];
    op = FLIP[op];
  }
  const path = pathOf(l);
  const stringFact = path ? STRING_FACTS[path] : undefined;
  const s = stringConst(r);
  if (stringFact && s !== undefined) {
    if (op === '_==_')
      return {
        test: (f) => stringFact(f) === s,
        modelKeys: path === 'request.model' ? [s] : undefined,
      };
    if (op === '_!=_') return { test: (f) => stringFact(f) !== s };
    return undefined;
  }
  const claim = claimOf(l, false);
  if (claim !== undefined && s !== undefined) {
    // Claims are JSON: only a string claim can equal a string literal; CEL's
    // heterogeneous equality makes any other type unequal rather than an error.
    if (op === '_==_')
      return { test: (f) => (hasOwn(f.claims, claim) ? f.claims[claim] === s : missing(claim)) };
    if (op === '_!=_')
      return { test: (f) => (hasOwn(f.claims, claim) ? f.claims[claim] !== s : missing(claim)) };
    return undefined;
  }
  const n = intConst(r);
  if (n === undefined) return undefined;
  const intFact = path ? INT_FACTS[path] : undefined;
  if (intFact) return wrap(compareInt(op, intFact, n));
  const finding = findingOf(l);
  if (finding) return wrap(compareInt(op, (f) => f.findings.get(finding) ?? 0, n));
  return undefined;
}

/** `principal.claims.X` (or `has(principal.claims.X)` when testOnly): the claim name X. */
function claimOf(e: Expr, testOnly: boolean): string | undefined {
  if (e.exprKind.case !== 'selectExpr' || e.exprKind.value.testOnly !== testOnly) return undefined;
  const operand = e.exprKind.value.operand;
  if (!operand || pathOf(operand) !== 'principal.claims') return undefined;
  return e.exprKind.value.field;
}

/** Present as CEL sees it: own property, not undefined (undefined entries are dropped). */
function hasOwn(o: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** The message cel-es gives for a missing map key, so both paths report alike. */
function missing(name: string): string {
  return `field not found: ${name}`;
}

function wrap(test: Atom | undefined): { test: Atom } | undefined {
  return test ? { test } : undefined;
}

export type { Bindings };
