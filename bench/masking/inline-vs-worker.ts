/**
 * How long masking blocks the event loop when the ingress does it in process, by input size,
 * to choose the size above which it sends the text to the Kafka masking workers instead (a
 * round trip there costs roughly 2–5 ms on the reference machine).
 *
 * Inputs are cut from the generated corpus (entity-dense, many non-ASCII lines: close to the
 * worst case); all 40 entity types, replace strategy. Each call is timed on its own; medians
 * and 90th percentiles over many calls on different slices, after a warm-up. Prints figures only.
 * Run: npm run build && node dist/bench/masking/inline-vs-worker.js [budgetMs]
 */
import { cpus } from 'node:os';
import { ENTITY_TYPES, mask } from '@embargo/masking';
import { buildCorpus, corpusText } from './corpus';

const BUDGET_MS = Number(process.argv[2] ?? 2);
const SIZES: readonly [string, number][] = [
  ['1 KB', 1024],
  ['4 KB', 4 * 1024],
  ['8 KB', 8 * 1024],
  ['16 KB', 16 * 1024],
  ['64 KB', 64 * 1024],
  ['256 KB', 256 * 1024],
  ['1 MB', 1024 * 1024],
];
const options = {
  entities: Object.fromEntries(ENTITY_TYPES.map((t) => [t, { strategy: 'replace' as const }])),
};

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function main(): void {
  const text = corpusText(buildCorpus());
  let big = text;
  while (big.length < 2 * 1024 * 1024) big += '\n' + text;
  console.log(
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), in-process mask(), all ${ENTITY_TYPES.length} types`,
  );
  // Warm the JIT on ~1 MB of other slices first, as a long-running ingress would be.
  for (let off = 0; off < 1024 * 1024; off += 8 * 1024)
    mask(big.slice(big.length - off - 8 * 1024, big.length - off), options);
  console.log('size        calls   median ms     p90 ms   median MB/s');
  let recommended: string | null = null;
  for (const [label, size] of SIZES) {
    // Enough calls for a stable median: at least 15, about 1 MB of text per size otherwise.
    const calls = Math.max(15, Math.ceil((1024 * 1024) / size));
    const slices: string[] = [];
    for (let k = 0; k < calls; k++) {
      const off = (k * 7919 * 13) % (big.length - size);
      slices.push(big.slice(off, off + size));
    }
    const ms: number[] = [];
    for (const s of slices) {
      const t = process.hrtime.bigint();
      mask(s, options);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const med = quantile(ms, 0.5);
    if (med < BUDGET_MS) recommended = label;
    console.log(
      `${label.padEnd(10)}${String(calls).padStart(7)}${med.toFixed(2).padStart(12)}${quantile(ms, 0.9).toFixed(2).padStart(11)}${(size / 1e6 / (med / 1e3)).toFixed(2).padStart(14)}`,
    );
  }
  console.log(
    recommended === null
      ? `\nno size stays under ${BUDGET_MS} ms in process: send everything to the workers`
      : `\nrecommendation: mask in process up to ${recommended} (median under ${BUDGET_MS} ms); above that, the worker pool's round trip is cheaper than blocking the event loop`,
  );
}

if (require.main === module) main();
