import type { PolicyFile } from '@embargo/policy';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Case files (`*.cases.yaml`, or anything under `tests/`) are test input, not policy. */
export function isPolicyFile(rel: string): boolean {
  if (!/\.ya?ml$/i.test(rel)) return false;
  if (/\.cases\.ya?ml$/i.test(rel) || /(^|\/)cases\.ya?ml$/i.test(rel)) return false;
  return !rel.split('/').includes('tests');
}

/** Reads every policy YAML under `dir`, sorted by path, refusing oversized sets. */
export async function readPolicyDir(dir: string, maxBytes: number): Promise<PolicyFile[]> {
  const files: PolicyFile[] = [];
  let total = 0;
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      const rel = relative(dir, full).split(sep).join('/');
      if (!entry.isFile() || !isPolicyFile(rel)) continue;
      total += (await stat(full)).size;
      if (total > maxBytes)
        throw new Error(`policy directory ${dir} is larger than ${maxBytes} bytes`);
      files.push({ path: rel, content: await readFile(full, 'utf8') });
    }
  }
  await walk(dir);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
