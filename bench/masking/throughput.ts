/**
 * Throughput in MB/s on one core for 1 KB, 10 KB and 1 MB inputs cut from the generated
 * corpus (every line holds an entity or a hard negative) and from the same documents spread
 * through prose (one entity per ~390 bytes), for Embargo (all 40 entity types, replace
 * strategy) and, in the same run, redact-pii (SyncRedactor) and @redactpii/node.
 *
 * Fairness: every library masks exactly the same inputs (about 1 MB per size and run), each in
 * a process of its own, so no library pays for another's garbage collection or compiled code;
 * the processes take turns within each round (only one works at a time), so a noisy neighbour
 * on a shared machine slows all of them alike; five warm-up passes over every batch first;
 * medians of ROUNDS rounds, and the ratio is the median of the per-round ratios. Embargo keeps
 * no state between calls (no result cache), so repeated rounds over the same inputs do not
 * flatter it.
 * Run: npm run build && node dist/bench/masking/throughput.js [rounds]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { buildCorpus, corpusText, proseDoc } from './corpus';
import { competitors, EMBARGO_ENTITY_COUNT } from './competitors';

const ROUNDS = Math.max(5, Number(process.argv[2] ?? 7));

const SIZES: readonly (readonly [label: string, bytes: number])[] = [
  ['1 KB', 1024],
  ['10 KB', 10 * 1024],
  ['1 MB', 1_000_000],
];
const CORPORA = {
  corpus: 'corpus text: one entity or hard negative per line',
  prose: 'the same documents in prose: one entity per ~390 bytes',
} as const;
export type CorpusKey = keyof typeof CORPORA;

/** Inputs of `size` characters cut from `text`, about `total` characters in all. */
export function inputs(size: number, total: number, text: string): string[] {
  const out: string[] = [];
  for (let off = 0; out.length * size < total; off = (off + size) % Math.max(1, text.length - size))
    out.push(text.slice(off, off + size));
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The corpus (or its prose form) repeated to a little over 1 MB, the text inputs are cut from. */
export function benchText(corpus: CorpusKey): string {
  const docs = buildCorpus();
  const text = corpus === 'corpus' ? corpusText(docs) : proseDoc(docs).text;
  let big = text;
  while (big.length < 1_100_000) big += '\n' + text;
  return big;
}

/** Child: one library, one corpus. Warms up, then times one batch per request from the parent. */
function child(libName: string, corpus: CorpusKey): void {
  const lib = competitors().find((l) => l.name === libName);
  if (!lib || !process.send) throw new Error(`no library ${libName}, or no parent`);
  const send = process.send.bind(process);
  const big = benchText(corpus);
  const batches = SIZES.map(([, size]) => inputs(size, 1_000_000, big));
  // Warm-up: five passes over every size before any timing, so the JIT has settled (the first
  // passes over 1 KB inputs run several times slower than later ones, for every library). After
  // two, V8's compiler threads were still busy with Embargo in the first timed rounds, whose CPU
  // time counts them: its 1 KB median read 9.2 MB/s of CPU against 12.1 of wall time; after
  // five, 12.9 against 13.6, as a worker that has been running a while would see.
  for (let pass = 0; pass < 5; pass++)
    for (const batch of batches) for (const s of batch) lib.redact(s);
  process.on('message', (si: number) => {
    const batch = batches[si];
    const bytes = batch.reduce((n, s) => n + s.length, 0);
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (const s of batch) lib.redact(s);
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    const u = process.cpuUsage(c);
    // MB per second of wall time and per second of process CPU time (user + system, all threads).
    send([bytes / 1e6 / wall, bytes / 1e6 / ((u.user + u.system) / 1e6)]);
  });
  process.on('disconnect', () => process.exit(0));
  send('ready');
}

function reply<T>(p: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker exited with ${code}`));
    p.once('exit', onExit);
    p.once('message', (m: T) => {
      p.off('exit', onExit);
      resolve(m);
    });
  });
}

async function measure(corpus: CorpusKey): Promise<void> {
  const names = competitors().map((l) => l.name);
  console.log(`\n== ${CORPORA[corpus]}`);
  const procs = new Map<string, ChildProcess>();
  try {
    // One after another, so the warm-ups do not compete for the cores.
    for (const name of names) {
      const p = fork(__filename, ['--child', name, corpus], { stdio: 'inherit' });
      procs.set(name, p);
      await reply<string>(p);
    }
    const wall = new Map(names.map((n) => [n, SIZES.map((): number[] => [])]));
    const cpu = new Map(names.map((n) => [n, SIZES.map((): number[] => [])]));
    for (let si = 0; si < SIZES.length; si++)
      for (let r = 0; r < ROUNDS; r++)
        for (const name of names) {
          const p = procs.get(name)!;
          const answer = reply<[number, number]>(p);
          p.send(si);
          const [w, c] = await answer;
          wall.get(name)![si].push(w);
          cpu.get(name)![si].push(c);
        }
    // CPU time is the steadier figure on a shared machine (time spent waiting for a core is
    // not counted); it includes V8's GC and compiler threads, so it can exceed wall time.
    for (const [label, rates] of [
      ['MB/s of CPU time (per core)', cpu],
      ['MB/s of wall time', wall],
    ] as const)
      report(label, names, rates);
  } finally {
    for (const p of procs.values()) p.kill();
  }
}

function report(label: string, names: readonly string[], rates: Map<string, number[][]>): void {
  console.log(`\n${label}`);
  console.log(
    'library                 ' +
      SIZES.map(([n]) => n.padStart(10)).join('') +
      '   (min–max per size)',
  );
  for (const name of names) {
    const rs = rates.get(name)!;
    const spread = rs
      .map((xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`)
      .join(', ');
    console.log(
      name.padEnd(24) +
        rs.map((xs) => median(xs).toFixed(2).padStart(10)).join('') +
        `   (${spread})`,
    );
  }
  const ours = rates.get('embargo')!;
  for (const other of names.filter((n) => n !== 'embargo')) {
    const base = rates.get(other)!;
    // Median of per-round ratios: both libraries ran back to back in the same round.
    const ratios = SIZES.map((_, si) => median(ours[si].map((x, r) => x / base[si][r])));
    console.log(
      `embargo / ${other}`.padEnd(24) +
        ratios.map((x) => (x.toFixed(1) + '×').padStart(10)).join(''),
    );
  }
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), one process per library, ${ROUNDS} rounds, medians`,
  );
  console.log(
    `embargo: all ${EMBARGO_ENTITY_COUNT} entity types, replace; every library masks the same inputs (~1 MB per size)`,
  );
  for (const corpus of Object.keys(CORPORA) as CorpusKey[]) await measure(corpus);
}

if (require.main === module) {
  const at = process.argv.indexOf('--child');
  if (at !== -1) child(process.argv[at + 1], process.argv[at + 2] as CorpusKey);
  else
    main().catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
