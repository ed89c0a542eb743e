import { compilePolicy, type CompiledPolicy, type PolicyError } from '@embargo/policy';
import { readPolicyDir } from '@embargo/policy-files';

export function formatError(e: PolicyError): string {
  const where = `${e.file}${e.line ? `:${e.line}:${e.col ?? 1}` : ''}`;
  return `${where}${e.ruleId ? ` rule ${e.ruleId}` : ''}${e.celColumn ? ` (CEL column ${e.celColumn})` : ''}: ${e.message}`;
}

/** Compiles a policy directory or exits 1 printing every error with its position. */
export function compileDirOrExit(dir: string): CompiledPolicy {
  const files = readPolicyDir(dir);
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
