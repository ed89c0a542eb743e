/**
 * Detection quality on the generated corpus: per-type precision, recall and F2, evasion
 * recall next to clean recall, over-redaction on hard negatives; and, side by side, how much
 * of the same gold values redact-pii and @redactpii/node remove.
 * Run: npm run build && node dist/bench/masking/quality.js
 */
import { ENTITY_TYPES, type EntityType, detect } from '@embargo/masking';
import { type Doc, buildCorpus, proseDoc } from './corpus';
import { competitors } from './competitors';

interface Tally {
  tp: number;
  fp: number;
  fn: number;
  cleanHit: number;
  cleanAll: number;
  evHit: number;
  evAll: number;
}

const f2 = (p: number, r: number): number => (p + r === 0 ? 0 : (5 * p * r) / (4 * p + r));
const pct = (x: number): string => (Number.isNaN(x) ? '   -  ' : x.toFixed(3));

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  const inter = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  return inter >= 0.5 * (b.end - b.start);
}

export function evaluate(
  docs: readonly Doc[],
): Map<EntityType, Tally> & { negDocs: number; negFlagged: number } {
  const tallies = new Map<EntityType, Tally>() as Map<EntityType, Tally> & {
    negDocs: number;
    negFlagged: number;
  };
  for (const t of ENTITY_TYPES)
    tallies.set(t, { tp: 0, fp: 0, fn: 0, cleanHit: 0, cleanAll: 0, evHit: 0, evAll: 0 });
  tallies.negDocs = 0;
  tallies.negFlagged = 0;
  for (const doc of docs) {
    const found = detect(doc.text);
    if (doc.kind === 'negative') {
      tallies.negDocs++;
      if (found.length > 0) tallies.negFlagged++;
    }
    const used = new Set<number>();
    for (const gold of doc.spans) {
      const t = tallies.get(gold.type)!;
      const k = found.findIndex(
        (f, i) => !used.has(i) && f.type === gold.type && overlaps(f, gold),
      );
      const hit = k >= 0;
      if (hit) {
        used.add(k);
        t.tp++;
      } else t.fn++;
      if (doc.kind === 'evasion') {
        t.evAll++;
        if (hit) t.evHit++;
      } else {
        t.cleanAll++;
        if (hit) t.cleanHit++;
      }
    }
    found.forEach((f, i) => {
      if (!used.has(i)) tallies.get(f.type)!.fp++;
    });
  }
  return tallies;
}

function main(): void {
  const docs = buildCorpus();
  const t = evaluate(docs);
  console.log(
    `corpus: ${docs.length} documents (${docs.filter((d) => d.kind === 'clean').length} clean, ${docs.filter((d) => d.kind === 'evasion').length} evasion, ${docs.filter((d) => d.kind === 'negative').length} hard negatives)\n`,
  );
  console.log('type                 precision recall   F2     clean-recall evasion-recall');
  let TP = 0,
    FP = 0,
    FN = 0,
    EH = 0,
    EA = 0,
    CH = 0,
    CA = 0;
  for (const [type, x] of t) {
    const p = x.tp / (x.tp + x.fp);
    const r = x.tp / (x.tp + x.fn);
    TP += x.tp;
    FP += x.fp;
    FN += x.fn;
    EH += x.evHit;
    EA += x.evAll;
    CH += x.cleanHit;
    CA += x.cleanAll;
    console.log(
      `${type.padEnd(20)} ${pct(p)}     ${pct(r)}   ${pct(f2(p, r))}  ${pct(x.cleanHit / x.cleanAll)}        ${pct(x.evHit / x.evAll)}`,
    );
  }
  const P = TP / (TP + FP);
  const R = TP / (TP + FN);
  console.log(
    `${'OVERALL'.padEnd(20)} ${pct(P)}     ${pct(R)}   ${pct(f2(P, R))}  ${pct(CH / CA)}        ${pct(EH / EA)}`,
  );
  console.log(
    `over-redaction on hard negatives: ${t.negFlagged}/${t.negDocs} documents = ${pct(t.negFlagged / t.negDocs)}`,
  );

  // The same documents inside prose: context words from neighbouring sentences must not sway it.
  const prose = proseDoc(docs);
  const pt = [...evaluate([prose]).values()].reduce(
    (a, x) => ({ tp: a.tp + x.tp, fp: a.fp + x.fp, fn: a.fn + x.fn }),
    { tp: 0, fp: 0, fn: 0 },
  );
  const found = detect(prose.text);
  const stray = found.filter((f) => !prose.spans.some((g) => f.start < g.end && g.start < f.end));
  const pp = pt.tp / (pt.tp + pt.fp);
  const pr = pt.tp / (pt.tp + pt.fn);
  console.log(
    `\nin prose (${Math.round(prose.text.length / 1024)} KB, the documents between faker sentences, one entity per ${Math.round(prose.text.length / prose.spans.length)} bytes):`,
  );
  console.log(
    `precision ${pct(pp)}  recall ${pct(pr)}  F2 ${pct(f2(pp, pr))}  findings outside any gold span: ${stray.length}/${found.length}`,
  );

  // Side by side, type-agnostic: is the gold value gone from the output? Did a negative change?
  console.log(
    '\nlibrary            value-removed(all) value-removed(email,phone,card,ssn,ip,url) negatives-changed',
  );
  const common = new Set<EntityType>([
    'EMAIL_ADDRESS',
    'PHONE_NUMBER',
    'CREDIT_CARD',
    'US_SSN',
    'IP_ADDRESS',
    'URL',
  ]);
  for (const lib of competitors()) {
    let all = 0,
      allHit = 0,
      com = 0,
      comHit = 0,
      neg = 0,
      negChanged = 0;
    for (const doc of docs) {
      const out = lib.redact(doc.text);
      if (doc.kind === 'negative') {
        neg++;
        if (out !== doc.text) negChanged++;
        continue;
      }
      for (const g of doc.spans) {
        const value = doc.text.slice(g.start, g.end);
        const gone = !out.includes(value);
        all++;
        if (gone) allHit++;
        if (common.has(g.type)) {
          com++;
          if (gone) comHit++;
        }
      }
    }
    console.log(
      `${lib.name.padEnd(18)} ${pct(allHit / all).padEnd(18)} ${pct(comHit / com).padEnd(42)} ${pct(negChanged / neg)}`,
    );
  }
}

if (require.main === module) main();
