/**
 * Throughput in MB/s on one core for 1 KB, 10 KB and 1 MB inputs cut from the generated
 * corpus, for Embargo (full entity set, replace strategy) and, in the same run, redact-pii
 * (SyncRedactor) and @redactpii/node. Medians over several runs after a warm-up.
 * Run: npm run build && node dist/bench/masking/throughput.js
 */
import { cpus } from 'node:os';
import { buildCorpus, corpusText } from './corpus';
import { competitors } from './competitors';

function inputs(size: number, total: number, text: string): string[] {
  const out: string[] = [];
  for (let off = 0; out.length * size < total; off = (off + size) % Math.max(1, text.length - size)) out.push(text.slice(off, off + size));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const text = corpusText(buildCorpus());
  let big = text;
  while (big.length < 1_100_000) big += '\n' + text;
  const sizes: [string, number, number][] = [['1 KB', 1024, 1_000_000], ['10 KB', 10 * 1024, 1_000_000], ['1 MB', 1_000_000, 1_000_000]];
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), single-threaded, medians`);
  console.log('library            ' + sizes.map(([n]) => n.padStart(12)).join(''));
  const rows: Record<string, number[]> = {};
  for (const lib of competitors()) {
    const row: number[] = [];
    for (const [, size, total] of sizes) {
      const batch = inputs(size, total, big);
      const slow = lib.name !== 'embargo';
      const runs = slow ? 3 : 7;
      // Slow libraries get a smaller share of the batch so a run stays short; MB/s is per byte.
      const work = slow ? batch.slice(0, Math.max(1, Math.ceil(batch.length / 4))) : batch;
      const bytes = work.reduce((n, s) => n + s.length, 0);
      for (const s of work.slice(0, 5)) lib.redact(s); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = process.hrtime.bigint();
        for (const s of work) lib.redact(s);
        const sec = Number(process.hrtime.bigint() - t) / 1e9;
        rates.push(bytes / 1e6 / sec);
      }
      row.push(median(rates));
    }
    rows[lib.name] = row;
    console.log(lib.name.padEnd(19) + row.map((x) => x.toFixed(2).padStart(12)).join(''));
  }
  const ours = rows['embargo'];
  const base = rows['redact-pii'];
  if (ours !== undefined && base !== undefined) {
    console.log('embargo / redact-pii' + ours.map((x, i) => ((x / base[i]).toFixed(1) + '×').padStart(11)).join(''));
  }
}

if (require.main === module) main();
