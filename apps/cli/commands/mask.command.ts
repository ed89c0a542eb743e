import { keyringSetting } from '@embargo/config';
import {
  ENTITY_TYPES,
  engineOptions,
  isEntityType,
  mask,
  type Keyring,
  type MaskOptions,
} from '@embargo/masking';
import { defaultMaskPlan } from '@embargo/policy';
import { Command, Option } from 'commander';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { cliEnvironment } from '../config';
import { compileDirOrExit } from './policy-files';

const STRATEGIES = ['redact', 'replace', 'keep_last', 'hash', 'tokenize', 'fake'] as const;
const KEYED_STRATEGIES: ReadonlySet<string> = new Set(['hash', 'tokenize', 'fake']);
/** Lines whose problem stderr names one by one; a stream of bad input gets a count after them. */
const REPORTED_LINES = 20;

interface MaskFlags {
  entities?: string;
  strategy?: (typeof STRATEGIES)[number];
  keep?: string;
  policies: string;
  maxLineBytes: string;
}

/** A line that cannot be masked as it came in, and why. */
interface BadLine {
  readonly problem: string;
}

// Invalid UTF-8 is an error, not U+FFFD: the line's bytes would be lost without a word.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The lines of `input` (LF or CRLF), each at most `maxBytes` of UTF-8; a longer one is
 * skipped as it streams past, so memory stays bounded whatever comes in. A line too long or
 * not valid UTF-8 is yielded as a BadLine.
 */
async function* boundedLines(
  input: AsyncIterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<string | BadLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const decode = (): string | BadLine => {
    if (tooLong) return { problem: `longer than --max-line-bytes (${maxBytes})` };
    try {
      return utf8.decode(Buffer.concat(parts, size)).replace(/\r$/, '');
    } catch {
      return { problem: 'not valid UTF-8' };
    }
  };
  const take = (): string | BadLine => {
    const line = decode();
    parts = [];
    size = 0;
    tooLong = false;
    return line;
  };
  for await (const chunk of input) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      const end = nl === -1 ? chunk.length : nl;
      if (!tooLong) {
        if (size + end - from > maxBytes) {
          tooLong = true;
          parts = [];
        } else {
          parts.push(chunk.subarray(from, end));
          size += end - from;
        }
      }
      if (nl === -1) break;
      yield take();
      from = nl + 1;
    }
  }
  if (size > 0 || tooLong) yield take();
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * The engine options the flags ask for; by default the policy's default masking. A --policies
 * directory given on the command line must exist; without one, and without a default masking in
 * the policies, every type is replaced, and stderr says so: the output alone would not tell.
 */
function optionsFrom(
  flags: MaskFlags,
  policiesGiven: boolean,
  keepGiven: boolean,
): Omit<MaskOptions, 'keyring'> {
  const wanted = flags.entities
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // `-e "$TYPES"` with TYPES unset would otherwise mask nothing and say nothing.
  if (wanted?.length === 0) throw new Error('--entities names no entity type');
  for (const t of wanted ?? []) {
    if (!isEntityType(t))
      throw new Error(`unknown entity type ${t}; known: ${ENTITY_TYPES.join(', ')}`);
  }
  if (keepGiven && flags.strategy !== 'keep_last')
    throw new Error('--keep applies to --strategy keep_last only');
  if (policiesGiven && !isDirectory(flags.policies))
    throw new Error(`--policies ${flags.policies}: no such directory`);
  if (!wanted && !flags.strategy) {
    const fallback = `masking all ${ENTITY_TYPES.length} entity types with replace`;
    if (isDirectory(flags.policies)) {
      const plan = defaultMaskPlan(compileDirOrExit(flags.policies));
      if (plan && Object.keys(plan.entities).length) return engineOptions(plan);
      process.stderr.write(
        `embargo: the policies in ${flags.policies} have no default masking; ${fallback}\n`,
      );
    } else {
      process.stderr.write(
        `embargo: no policy directory ${flags.policies} here (pass --policies <dir>); ${fallback}\n`,
      );
    }
  }
  const strategy = flags.strategy ?? 'replace';
  const n = Number(flags.keep ?? 4);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new Error(`--keep must be a whole number from 0 to 64, not ${flags.keep}`);
  const rule = strategy === 'keep_last' ? { strategy, n } : { strategy };
  const entities = Object.fromEntries((wanted ?? ENTITY_TYPES).map((t) => [t, rule]));
  return engineOptions({ entities });
}

/**
 * The key ring keyed strategies need, checked before any input is read: a missing or
 * bad setting is one error naming it, not one error per line (or none on empty input).
 */
function keyringFor(options: Omit<MaskOptions, 'keyring'>): Keyring | undefined {
  const keys = cliEnvironment.maskingKeys;
  if (keys) {
    const parsed = keyringSetting.safeParse(keys);
    if (!parsed.success)
      throw new Error(`invalid EMBARGO_MASKING_KEYS: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
  const keyed = [
    ...new Set(
      Object.values(options.entities).map((r) => (typeof r === 'string' ? r : r.strategy)),
    ),
  ].filter((s) => KEYED_STRATEGIES.has(s));
  if (keyed.length)
    throw new Error(
      `strategy ${keyed.join(', ')} needs a key ring: set EMBARGO_MASKING_KEYS=<id>:<base64 32-byte key>`,
    );
  return undefined;
}

export function maskCommand(): Command {
  return new Command('mask')
    .description(
      'mask JSON lines {"text": ...} from stdin; one {"text","entities"} line out per line in',
    )
    .option(
      '-e, --entities <types>',
      'comma-separated entity types (default: the policy default masking)',
    )
    .addOption(
      new Option('-s, --strategy <strategy>', 'strategy for the chosen entities').choices([
        ...STRATEGIES,
      ]),
    )
    .option('-k, --keep <n>', 'characters kept by keep_last', '4')
    .option('--max-line-bytes <n>', 'longest input line read; longer ones are an error', '16777216')
    .option(
      '-p, --policies <dir>',
      'policy directory whose default masking applies',
      'deploy/policies',
    )
    .addHelpText(
      'after',
      [
        '',
        'Entity offsets (start, end) point into the input text, in UTF-16 code units.',
        'A line that cannot be masked gets {"error": "line N: ..."} in its place, stderr names',
        'it, and the exit status is 1.',
        'hash, tokenize and fake read EMBARGO_MASKING_KEYS=<id>:<32-byte key, base64 or hex>[,<id>:<key>...]',
        '(the first key is used; the others still reverse tokens they made).',
      ].join('\n'),
    )
    .action(async (flags: MaskFlags, command: Command) => {
      const options = optionsFrom(
        flags,
        command.getOptionValueSource('policies') === 'cli',
        command.getOptionValueSource('keep') === 'cli',
      );
      const keyring = keyringFor(options);
      const maxLineBytes = Number(flags.maxLineBytes);
      if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1)
        throw new Error(
          `--max-line-bytes must be a positive whole number, not ${flags.maxLineBytes}`,
        );
      // A reader that stopped early (`| head`) is not an error: stop quietly.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        throw err;
      });
      let lineNo = 0;
      let failed = 0;
      for await (const line of boundedLines(process.stdin, maxLineBytes)) {
        lineNo += 1;
        let out: unknown;
        try {
          if (typeof line !== 'string') throw new Error(line.problem);
          // A byte-order mark (files saved by some Windows editors) is not part of the JSON.
          const json = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
          // A blank line has nothing to mask, but still gets its line out, so lines stay aligned.
          const parsed: unknown = json.trim() === '' ? { text: '' } : JSON.parse(json);
          const text = (parsed as { text?: unknown } | null)?.text;
          if (typeof text !== 'string') throw new Error('expected an object with a string "text"');
          const r = mask(text, { ...options, keyring });
          out = {
            text: r.text,
            entities: r.findings.map((f) => ({
              type: f.type,
              start: f.start,
              end: f.end,
              score: f.score,
            })),
          };
        } catch (err) {
          failed += 1;
          const problem = `line ${lineNo}: ${err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message}`;
          // One output line per input line, so outputs stay aligned with inputs; stderr names
          // the first lines that failed, for whoever reads the terminal rather than the output.
          out = { error: problem };
          if (failed <= REPORTED_LINES) process.stderr.write(`embargo: ${problem}\n`);
        }
        // Wait for a slow reader instead of buffering all of its output in memory.
        if (!process.stdout.write(`${JSON.stringify(out)}\n`)) await once(process.stdout, 'drain');
      }
      if (failed) {
        const unnamed = failed > REPORTED_LINES ? ` (the first ${REPORTED_LINES} named above)` : '';
        process.stderr.write(
          `embargo: ${failed} of ${lineNo} line(s) could not be masked${unnamed}; each has an {"error"} line in the output\n`,
        );
        process.exitCode = 1;
      }
    });
}
