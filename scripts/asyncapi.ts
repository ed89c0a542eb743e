/**
 * Writes or checks docs/asyncapi.yaml, generated from the topic registry.
 *   node dist/scripts/asyncapi.js --write   # regenerate
 *   node dist/scripts/asyncapi.js --check   # exit 1 when the file is stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_DOC, buildAsyncApi, repoRoot } from '../libs/contracts/asyncapi';

export type AsyncApiCommand = 'write' | 'check';

/** Returns the process exit code; messages go to the given streams. */
export function runAsyncApi(
  command: AsyncApiCommand,
  io: { root?: string; out?: (line: string) => void; err?: (line: string) => void } = {},
): number {
  const file = join(io.root ?? repoRoot(), ASYNCAPI_DOC);
  const out = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const expected = buildAsyncApi();
  if (command === 'write') {
    writeFileSync(file, expected);
    out(`wrote ${ASYNCAPI_DOC}`);
    return 0;
  }
  let actual: string | undefined;
  try {
    actual = readFileSync(file, 'utf8');
  } catch {
    actual = undefined;
  }
  if (actual === expected) {
    out(`${ASYNCAPI_DOC} is up to date`);
    return 0;
  }
  err(
    `${ASYNCAPI_DOC} is ${actual === undefined ? 'missing' : 'out of date with libs/contracts/topics.ts'}: run \`npm run asyncapi\``,
  );
  return 1;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const command: AsyncApiCommand | undefined = args.includes('--check')
    ? 'check'
    : args.includes('--write')
      ? 'write'
      : undefined;
  if (!command || args.length !== 1) {
    process.stderr.write('usage: asyncapi --write | --check\n');
    process.exit(2);
  }
  process.exit(runAsyncApi(command));
}
