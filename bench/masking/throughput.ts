/**
 * Throughput in MB/s on one core for 1 KB, 10 KB and 1 MB inputs cut from the generated
 * corpus (every line holds an entity or a hard negative) and from the same documents spread
 * through prose (one entity per ~390 bytes), for Embargo (all 40 entity types, replace strategy) and, in the same run, redact-pii
 * (SyncRedactor) and @redactpii/node.
 *
 * Fairness: every library masks exactly the same inputs (about 1 MB per size and run); the
 * libraries take turns within each round, so a noisy neighbour on a shared machine slows all of
 * them alike; two warm-up passes over every batch first; medians of ROUNDS rounds, and the
 * ratio is the median of the per-round ratios. Embargo keeps no state between calls (no result
 * cache), so repeated rounds over the same inputs do not flatter it.
 * Run: npm run build && node dist/bench/masking/throughput.js [rounds]
 */
import { cpus } from 'node:os';
import { buildCorpus, corpusText, proseDoc } from './corpus';
import { type Library, competitors, EMBARGO_ENTITY_COUNT } from './competitors';

const ROUNDS = Math.max(5, Number(process.argv[2] ?? 7));

function inputs(size: number, total: number, text: string): string[] {
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

/** MB per second of wall time and per second of process CPU time (user + system, all threads). */
function rate(lib: Library, batch: readonly string[], bytes: number): [wall: number, cpu: number] {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (const s of batch) lib.redact(s);
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const u = process.cpuUsage(c);
  return [bytes / 1e6 / wall, bytes / 1e6 / ((u.user + u.system) / 1e6)];
}

function main(): void {
  const docs = buildCorpus();
  console.log(
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), one thread, ${ROUNDS} rounds, medians`,
  );
  console.log(
    `embargo: all ${EMBARGO_ENTITY_COUNT} entity types, replace; every library masks the same inputs (~1 MB per size)`,
  );
  measure('corpus text: one entity or hard negative per line', corpusText(docs));
  measure('the same documents in prose: one entity per ~390 bytes', proseDoc(docs).text);
}

function measure(title: string, text: string): void {
  let big = text;
  while (big.length < 1_100_000) big += '\n' + text;
  console.log(`\n== ${title}`);
  const sizes: [string, number][] = [
    ['1 KB', 1024],
    ['10 KB', 10 * 1024],
    ['1 MB', 1_000_000],
  ];
  const libs = competitors();
  const wall = new Map<string, number[][]>(libs.map((l) => [l.name, sizes.map(() => [])]));
  const cpu = new Map<string, number[][]>(libs.map((l) => [l.name, sizes.map(() => [])]));
  const batches = sizes.map(([, size]) => inputs(size, 1_000_000, big));
  // Warm-up: two passes over every size before any timing, so the JIT has settled (the first
  // passes over 1 KB inputs run several times slower than later ones, for every library).
  for (let pass = 0; pass < 2; pass++)
    for (const lib of libs) for (const batch of batches) for (const s of batch) lib.redact(s);
  batches.forEach((batch, si) => {
    const bytes = batch.reduce((n, s) => n + s.length, 0);
    for (let r = 0; r < ROUNDS; r++) {
      for (const lib of libs) {
        const [w, c] = rate(lib, batch, bytes);
        wall.get(lib.name)![si].push(w);
        cpu.get(lib.name)![si].push(c);
      }
    }
  });
  // CPU time is the steadier figure on a shared machine (time spent waiting for a core is not
  // counted); it includes V8's GC helper threads, so it is a little lower than wall time when idle.
  for (const [label, rates] of [
    ['MB/s of CPU time (per core)', cpu],
    ['MB/s of wall time', wall],
  ] as const) {
    console.log(`\n${label}`);
    console.log(
      'library                 ' +
        sizes.map(([n]) => n.padStart(10)).join('') +
        '   (min–max per size)',
    );
    for (const lib of libs) {
      const rs = rates.get(lib.name)!;
      const spread = rs
        .map((xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`)
        .join(', ');
      console.log(
        lib.name.padEnd(24) +
          rs.map((xs) => median(xs).toFixed(2).padStart(10)).join('') +
          `   (${spread})`,
      );
    }
    const ours = rates.get('embargo')!;
    for (const other of libs.filter((l) => l.name !== 'embargo')) {
      const base = rates.get(other.name)!;
      // Median of per-round ratios: both libraries ran back to back in the same round.
      const ratios = sizes.map((_, si) => median(ours[si].map((x, r) => x / base[si][r])));
      console.log(
        `embargo / ${other.name}`.padEnd(24) +
          ratios.map((x) => (x.toFixed(1) + '×').padStart(10)).join(''),
      );
    }
  }
}

if (require.main === module) main();
