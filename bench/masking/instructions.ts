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
 * Run: npm run build && node dist/bench/masking/instructions.js [corpus|prose]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { competitors } from './competitors';
import { benchText, inputs, type CorpusKey } from './throughput';

const SIZE = 1024;
const TOTAL = 128 * 1024;
const run = promisify(execFile);

/** Passes per run: the slow libraries get fewer, to keep each run near a minute. */
function passes(name: string): [low: number, high: number] {
  return name === 'embargo' ? [10, 30] : [3, 9];
}

function child(name: string, corpus: CorpusKey, count: number): void {
  const lib = competitors().find((l) => l.name === name);
  if (!lib) throw new Error(`no library ${name}`);
  const batch = inputs(SIZE, TOTAL, benchText(corpus));
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

async function main(corpus: CorpusKey): Promise<void> {
  try {
    await run('valgrind', ['--version']);
  } catch {
    console.error('valgrind is not installed (apt-get install -y valgrind)');
    process.exitCode = 1;
    return;
  }
  const bytes = inputs(SIZE, TOTAL, benchText(corpus)).reduce((n, s) => n + s.length, 0);
  console.log(
    `${corpus}: instructions per MB masked, ${bytes / 1024} inputs of 1 KB, valgrind ${(await run('valgrind', ['--version'])).stdout.trim()}`,
  );
  const perMb = new Map<string, number>();
  // Two runs at a time: one per core, and valgrind runs a process on one.
  for (const { name } of competitors()) {
    const [low, high] = passes(name);
    const [a, b] = await Promise.all([
      instructions(name, corpus, low),
      instructions(name, corpus, high),
    ]);
    perMb.set(name, (b - a) / (high - low) / (bytes / 1e6));
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
    main((process.argv[2] as CorpusKey | undefined) ?? 'corpus').catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
