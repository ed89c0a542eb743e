import { detect } from '../detect';
import { ENTITY_TYPES } from '../entities';
import { scanIpv6, scanMacs } from './patterns';

// The regex scanMacs replaced; the hand scanner must report exactly the same spans.
const MAC_RE =
  /\b[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b/g;
function reference(text: string): [number, number][] {
  const out: [number, number][] = [];
  MAC_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MAC_RE.exec(text)) !== null) {
    const end = m.index + m[0].length;
    const next = text.charCodeAt(end);
    if ((next === 58 || next === 45 || next === 46) && /[0-9A-Fa-f]/.test(text[end + 1] ?? ''))
      continue;
    const prev = text.charCodeAt(m.index - 1);
    if ((prev === 58 || prev === 45 || prev === 46) && /[0-9A-Fa-f]/.test(text[m.index - 2] ?? ''))
      continue;
    out.push([m.index, end]);
  }
  return out;
}
function scanned(text: string): [number, number][] {
  const out: [number, number][] = [];
  scanMacs({
    text,
    want: new Set(ENTITY_TYPES),
    phoneRegions: [],
    emit: (_t, s, e) => out.push([s, e]),
  });
  return out;
}

describe('MAC scanner', () => {
  it('finds the three notations and skips glued ones', () => {
    expect(scanned('mac 00:1A:2b:3C:4d:5E, 00-1a-2b-3c-4d-5e and 001a.2b3c.4d5e')).toEqual([
      [4, 21],
      [23, 40],
      [45, 59],
    ]);
    expect(scanned('00:1a:2b:3c:4d:5e:6f x00:1a:2b:3c:4d:5e')).toEqual([]);
  });

  it('agrees with the regex it replaced on mutated MAC-like text', () => {
    let s = 11;
    const rnd = (n: number): number => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s % n;
    };
    const chars = '0aF9:-. x_';
    const shapes = ['0a:1B:2c:3d:4e:5f', '0a-1b-2c-3d-4e-5f', '0a1b.2c3d.4e5f'];
    let found = 0;
    for (let i = 0; i < 4000; i++) {
      let text = '';
      for (let k = rnd(3) + 1; k > 0; k--) {
        const mac = shapes[rnd(3)].split('');
        for (let m = rnd(3); m > 0; m--) mac[rnd(mac.length)] = chars[rnd(chars.length)];
        text += chars[rnd(chars.length)].repeat(rnd(3)) + mac.join('');
      }
      text += chars[rnd(chars.length)].repeat(rnd(3));
      const expected = reference(text);
      found += expected.length;
      expect(scanned(text)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(500);
  });
});

describe('IPv6 scanner', () => {
  const v6 = (text: string): string[] => {
    const out: string[] = [];
    scanIpv6({
      text,
      want: new Set(ENTITY_TYPES),
      phoneRegions: [],
      emit: (_t, s, e) => out.push(text.slice(s, e)),
    });
    return out;
  };

  it('takes full, compressed, mapped and bracketed addresses', () => {
    expect(v6('lo ::1 link fe80::1 doc 2001:db8:: mapped ::ffff:10.0.0.1')).toEqual([
      '::1',
      'fe80::1',
      '2001:db8::',
      '::ffff:10.0.0.1',
    ]);
    expect(v6('curl http://[::1]:8080/ and [2001:db8::8a2e:370:7334]')).toEqual([
      '::1',
      '2001:db8::8a2e:370:7334',
    ]);
    expect(v6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toEqual([
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
    ]);
  });

  it('leaves slices, indexes and scoped names alone', () => {
    for (const text of [
      'x[::2]',
      'x[1::3]',
      'a::b',
      'xs[::1]',
      'm[0][::-1]',
      'f()[10::20]',
      'c::d',
    ])
      expect([text, v6(text)]).toEqual([text, []]);
    for (const text of ['x[::2]', 'x[1::3]', 'a::b']) expect(detect(text)).toEqual([]);
  });
});
