import type { PolicyFile } from '@embargo/policy';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Case files (`*.cases.yaml`, or anything under `tests/`) are test input, not policy. */
export function isPolicyFile(rel: string): boolean {
  if (!/\.ya?ml$/i.test(rel)) return false;
  if (/\.cases\.ya?ml$/i.test(rel) || /(^|\/)cases\.ya?ml$/i.test(rel)) return false;
  return !rel.split('/').includes('tests');
}

/**
 * Reads every policy YAML under `dir`, sorted by path, refusing sets over `maxBytes`. The CLI and
 * the policy service both read through here so that they load the same files.
 *
 * Entries are stat'ed, not judged by their directory entry, so symlinks are followed: a Kubernetes
 * ConfigMap mount is `base.yaml -> ..data/base.yaml` with `..data -> ..2026_…/`. Dot entries are
 * skipped, which keeps `..data` and the timestamped folder from being read a second time.
 * Synchronous on purpose: the set is at most MAX_POLICY_BYTES, read at start and on change, and
 * one implementation serves both callers.
 */
export function readPolicyDir(dir: string, maxBytes = Infinity): PolicyFile[] {
  const files: PolicyFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string): void => {
    // A symlinked folder that points back up would otherwise be walked forever.
    const real = realpathSync(d);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      const st = statSync(full);
      const rel = relative(dir, full).split(sep).join('/');
      if (st.isDirectory()) {
        if (name !== 'tests') walk(full);
        continue;
      }
      if (!st.isFile() || !isPolicyFile(rel)) continue;
      total += st.size;
      if (total > maxBytes)
        throw new Error(`policy directory ${dir} is larger than ${maxBytes} bytes`);
      files.push({ path: rel, content: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
