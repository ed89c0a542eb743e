import { compilePolicy, type CompiledPolicy, type PolicyError } from '@embargo/policy';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Same selection as the policy service: YAML files, minus case files and tests/ folders. */
export function readPolicyFiles(dir: string): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'tests') walk(full);
        continue;
      }
      const rel = relative(dir, full).split(sep).join('/');
      if (!/\.ya?ml$/i.test(rel) || /(^|\/|\.)cases\.ya?ml$/i.test(rel)) continue;
      out.push({ path: rel, content: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

export function formatError(e: PolicyError): string {
  const where = `${e.file}${e.line ? `:${e.line}:${e.col ?? 1}` : ''}`;
  return `${where}${e.ruleId ? ` rule ${e.ruleId}` : ''}${e.celColumn ? ` (CEL column ${e.celColumn})` : ''}: ${e.message}`;
}

/** Compiles a policy directory or exits 1 printing every error with its position. */
export function compileDirOrExit(dir: string): CompiledPolicy {
  const files = readPolicyFiles(dir);
  if (files.length === 0) {
    process.stderr.write(`no policy files in ${dir}\n`);
    process.exit(1);
  }
  const result = compilePolicy(files);
  if (!result.ok) {
    for (const e of result.errors) process.stderr.write(`${formatError(e)}\n`);
    process.stderr.write(`policy rejected: ${result.errors.length} error(s)\n`);
    process.exit(1);
  }
  return result.policy;
}
