/**
 * Machine instructions per MB masked, counted by valgrind (cachegrind), for Embargo and the
 * libraries throughput.ts compares it with, on the same 1 KB inputs cut from the corpus.
 * On a shared, noisy machine timings of one build swing by a third from process to process;
 * instruction counts do not, so this is the figure to compare two builds of the engine with.
 * It is not a speed: instructions differ in cost (the libraries' time ratio in throughput.ts
 * is the one the issue's target speaks of), but a change that executes fewer instructions
 * here is faster, and by about that much.
 *
 * Each library runs in a process of its own under valgrind, twice: LOW and HIGH passes over
 * the inputs, so the difference is the steady-state cost of HIGH − LOW passes (start-up,
 * corpus generation and the JIT's warm-up cancel out). Needs valgrind; takes a few minutes.
 * With --stages it counts Embargo's stages instead (normalization, each recognizer family,
 * detect, mask) over the same inputs, to show where the instructions go (about 10 minutes).
 * Run: npm run build && node dist/bench/masking/instructions.js [corpus|prose] [--stages]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ENTITY_TYPES, mask } from '@embargo/masking';
import { detectInternal, DEFAULT_PHONE_REGIONS } from '../../libs/masking/src/detect';
import { normalizeMap } from '../../libs/masking/src/normalize';
import { scanEmails, scanUrls } from '../../libs/masking/src/recognizers/email-url';
import { scanIpv6, scanMacs } from '../../libs/masking/src/recognizers/patterns';
import { scanPhones } from '../../libs/masking/src/recognizers/phone';
import { scanCredentialValues, scanSecrets } from '../../libs/masking/src/recognizers/secrets';
import type { ScanInput } from '../../libs/masking/src/recognizers/types';
import { scanRuns } from '../../libs/masking/src/recognizers/words';
import { competitors } from './competitors';
import { benchText, inputs, type CorpusKey } from './throughput';

const SIZE = 1024;
const TOTAL = 128 * 1024;
const run = promisify(execFile);

/** Passes per run: the slow libraries get fewer, to keep each run near a minute. */
function passes(name: string): [low: number, high: number] {
  return name === 'redact-pii' || name === '@redactpii/node' ? [3, 9] : [10, 30];
}

/**
 * Embargo's stages, each over every input: the recognizers read the normalized text, as they
 * do inside detect, and report to nowhere. What detect costs beyond them is context, overlap
 * and findings; what mask costs beyond detect is the masked string and counts.
 */
type Stage = (raw: readonly string[], normalized: readonly string[]) => void;
const everyType = new Set(ENTITY_TYPES);
const scan = (text: string): ScanInput => ({
  text,
  want: everyType,
  phoneRegions: DEFAULT_PHONE_REGIONS,
  emit: () => undefined,
});
const allReplace = Object.fromEntries(
  ENTITY_TYPES.map((t) => [t, { strategy: 'replace' as const }]),
);
const STAGES: Record<string, Stage> = {
  normalization: (raw) => raw.forEach((s) => normalizeMap(s)),
  'secret prefixes': (_, norm) => norm.forEach((s) => scanSecrets(scan(s))),
  'credential values': (_, norm) => norm.forEach((s) => scanCredentialValues(scan(s))),
  'e-mails and URLs': (_, norm) =>
    norm.forEach((s) => {
      scanEmails(scan(s));
      scanUrls(scan(s));
    }),
  'digit runs and word shapes': (_, norm) => norm.forEach((s) => scanRuns(scan(s))()),
  'phone candidates': (_, norm) => norm.forEach((s) => scanPhones(scan(s))),
  'MAC and IPv6': (_, norm) =>
    norm.forEach((s) => {
      scanMacs(scan(s));
      scanIpv6(scan(s));
    }),
  detect: (raw) => raw.forEach((s) => detectInternal(s, { entities: ENTITY_TYPES })),
  mask: (raw) => raw.forEach((s) => mask(s, { entities: allReplace })),
};

function child(name: string, corpus: CorpusKey, count: number): void {
  const batch = inputs(SIZE, TOTAL, benchText(corpus));
  const stage = STAGES[name];
  if (stage) {
    const normalized = batch.map((s) => normalizeMap(s).text);
    for (let p = 0; p < count; p++) stage(batch, normalized);
    return;
  }
  const lib = competitors().find((l) => l.name === name);
  if (!lib) throw new Error(`no library or stage ${name}`);
  for (let p = 0; p < count; p++) for (const s of batch) lib.redact(s);
}

async function instructions(name: string, corpus: CorpusKey, count: number): Promise<number> {
  const { stderr } = await run(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      // V8 writes machine code at run time: valgrind must see it change.
      '--smc-check=all-non-file',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      '--single-threaded',
      // V8 schedules garbage collection partly by time, which moved counts of one build by
      // up to ±4% between runs; with a fixed schedule and seeds repeats agree within ±0.3%.
      '--predictable-gc-schedule',
      '--hash-seed=1',
      '--random-seed=1',
      __filename,
      '--child',
      name,
      corpus,
      String(count),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!refs) throw new Error(`no instruction count from valgrind for ${name}:\n${stderr}`);
  return Number(refs[1].replace(/,/g, ''));
}

/** Instructions of one pass (HIGH − LOW runs), for a library or a stage. */
async function perPass(name: string, corpus: CorpusKey): Promise<number> {
  const [low, high] = passes(name);
  const [a, b] = await Promise.all([
    instructions(name, corpus, low),
    instructions(name, corpus, high),
  ]);
  return (b - a) / (high - low);
}

async function stages(corpus: CorpusKey): Promise<void> {
  const pass = new Map<string, number>();
  for (const name of Object.keys(STAGES)) {
    pass.set(name, await perPass(name, corpus));
    console.log(`${name.padEnd(28)} ${(pass.get(name)! / 1e6).toFixed(1).padStart(7)} M`);
  }
  const recognizers = Object.keys(STAGES)
    .filter((n) => n !== 'detect' && n !== 'mask')
    .reduce((sum, n) => sum + pass.get(n)!, 0);
  const detect = pass.get('detect')!;
  const masked = pass.get('mask')!;
  console.log(
    `${'context, overlap, findings'.padEnd(28)} ${((detect - recognizers) / 1e6).toFixed(1).padStart(7)} M  (detect minus the stages above)`,
  );
  console.log(
    `${'masked string and counts'.padEnd(28)} ${((masked - detect) / 1e6).toFixed(1).padStart(7)} M  (mask minus detect)`,
  );
}

async function main(corpus: CorpusKey, byStage: boolean): Promise<void> {
  let valgrind: string;
  try {
    valgrind = (await run('valgrind', ['--version'])).stdout.trim();
  } catch {
    console.error('valgrind is not installed (apt-get install -y valgrind)');
    process.exitCode = 1;
    return;
  }
  const bytes = inputs(SIZE, TOTAL, benchText(corpus)).reduce((n, s) => n + s.length, 0);
  console.log(`${corpus}: instructions per MB masked, ${bytes / 1024} inputs of 1 KB, ${valgrind}`);
  if (byStage) {
    console.log('Embargo by stage, instructions per pass over all inputs:');
    await stages(corpus);
    return;
  }
  const perMb = new Map<string, number>();
  // Two runs at a time: one per core, and valgrind runs a process on one.
  for (const { name } of competitors()) {
    perMb.set(name, (await perPass(name, corpus)) / (bytes / 1e6));
    console.log(`${name.padEnd(20)} ${(perMb.get(name)! / 1e6).toFixed(0).padStart(8)} M`);
  }
  const ours = perMb.get('embargo')!;
  for (const [name, n] of perMb)
    if (name !== 'embargo')
      console.log(`${name} / embargo`.padEnd(28) + `${(n / ours).toFixed(2)}×`);
}

if (require.main === module) {
  const at = process.argv.indexOf('--child');
  if (at !== -1)
    child(process.argv[at + 1], process.argv[at + 2] as CorpusKey, Number(process.argv[at + 3]));
  else
    main(
      (process.argv.slice(2).find((a) => !a.startsWith('--')) as CorpusKey | undefined) ?? 'corpus',
      process.argv.includes('--stages'),
    ).catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
