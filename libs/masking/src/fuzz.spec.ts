import { detect } from './detect';
import { mask } from './mask';
import { growthOverLinear } from './testing';

// Adversarial shapes: each one targets a recognizer family's worst case.
const GENERATORS: Record<string, (n: number) => string> = {
  digits: (n) => '4'.repeat(n),
  separatedDigits: (n) => '4111 '.repeat(Math.ceil(n / 5)).slice(0, n),
  repeatedSeparators: (n) => '1-.-/ '.repeat(Math.ceil(n / 6)).slice(0, n),
  ats: (n) => '@'.repeat(n),
  emailish: (n) => 'a@b.'.repeat(Math.ceil(n / 4)).slice(0, n),
  jwtPrefixes: (n) => 'eyJ'.repeat(Math.ceil(n / 3)).slice(0, n),
  pemBegins: (n) => '-----BEGIN PRIVATE KEY-----'.repeat(Math.ceil(n / 27)).slice(0, n),
  colons: (n) => 'a:'.repeat(Math.ceil(n / 2)).slice(0, n),
  urls: (n) => 'http://'.repeat(Math.ceil(n / 7)).slice(0, n),
  credentialWords: (n) => 'password=token:'.repeat(Math.ceil(n / 15)).slice(0, n),
  names: (n) => 'Mr. Aa Bb Cc '.repeat(Math.ceil(n / 13)).slice(0, n),
  zeroWidth: (n) => '4\u200B'.repeat(Math.ceil(n / 2)).slice(0, n),
  upperWords: (n) => 'ABCDEFGH12 '.repeat(Math.ceil(n / 11)).slice(0, n),
  ampHashes: (n) => '&#'.repeat(Math.ceil(n / 2)).slice(0, n),
  references: (n) => '&#49;'.repeat(Math.ceil(n / 5)).slice(0, n),
  longReferences: (n) => '&#0000000000'.repeat(Math.ceil(n / 12)).slice(0, n),
  tagCharacters: (n) => '\u{E0034}\u{E0031}'.repeat(Math.ceil(n / 4)).slice(0, n),
  flags: (n) => '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}'.repeat(Math.ceil(n / 8)).slice(0, n),
  wrappedCards: (n) => '4111 1111\n1111 1111\n'.repeat(Math.ceil(n / 20)).slice(0, n),
};

// What plain text costs, for the shapes the normalization decodes.
const plain = (n: number): string =>
  'lorem ipsum dolor sit amet '.repeat(Math.ceil(n / 27)).slice(0, n);

function bestOf5(text: string): number {
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    detect(text);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomUnicode(n: number, rnd: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    const cp =
      r < 0.5
        ? 32 + Math.floor(rnd() * 95)
        : r < 0.8
          ? Math.floor(rnd() * 0x3000)
          : Math.floor(rnd() * 0x10ffff);
    parts.push(cp >= 0xd800 && cp <= 0xdfff ? '\uFFFD' : String.fromCodePoint(cp));
  }
  return parts.join('');
}

describe('robustness', () => {
  it('survives random unicode, lone surrogates and control characters, with findings inside the text', () => {
    const rnd = seeded(42);
    for (let i = 0; i < 200; i++) {
      const text =
        randomUnicode(200 + Math.floor(rnd() * 500), rnd) + '\uD800 joe@example.com \u0000\uDFFF';
      const findings = detect(text);
      for (const f of findings) {
        expect(f.start).toBeGreaterThanOrEqual(0);
        expect(f.end).toBeLessThanOrEqual(text.length);
        expect(f.end).toBeGreaterThan(f.start);
      }
      expect(findings.map((f) => f.type)).toContain('EMAIL_ADDRESS');
      expect(
        mask(text, { entities: { EMAIL_ADDRESS: { strategy: 'redact' } } }).text,
      ).not.toContain('joe@example.com');
    }
  });

  it.each(Object.keys(GENERATORS))('%s: time grows linearly (100 KB vs 1 MB)', (name) => {
    const gen = GENERATORS[name];
    const small = gen(100_000);
    const large = gen(1_000_000);
    // Linear is about 1; quadratic would be about 10.
    expect(growthOverLinear((t) => detect(t), small, large)).toBeLessThan(3);
  });

  // 1 MB of '&#49;' is 200 000 references decoded, of tag characters 250 000 surrogate pairs read.
  it.each(['ampHashes', 'references', 'tagCharacters', 'flags'])(
    '%s: 1 MB costs about what 1 MB of plain text does',
    (name) => {
      const text = GENERATORS[name](1_000_000);
      const prose = plain(1_000_000);
      detect(text);
      detect(prose);
      // Plain text is the cheapest input there is; generous, since these read more per unit.
      expect(bestOf5(text) / Math.max(bestOf5(prose), 1)).toBeLessThan(25);
    },
  );
});
