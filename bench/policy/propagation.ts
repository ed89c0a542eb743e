/**
 * Bundle propagation: from publishing a policy version to every running ingress using it.
 * Target (docs/benchmarks.md): p99 < 1 s.
 *
 * Starts the whole system (startStack) plus a second ingress. Each iteration submits a new
 * version through the policy admin API (the current files plus a `bench-marker.yaml` whose
 * deny rule changes every time), taking t0 just before the POST, then polls both ingresses'
 * /metrics about every 5 ms until `embargo_policy_bundle_version` shows the new version.
 * The figure per ingress is the time of the first poll answer that showed it, so it
 * over-states by at most one poll (interval + scrape time, printed).
 *
 * Run: npm run build && node dist/bench/policy/propagation.js [--iterations 30] [--poll-ms 5]
 */
import os from 'node:os';
import { startApp, startStack, sleep, type RunningApp } from '@embargo/testing';
import { Pool } from 'undici';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}

const ITERATIONS = flag('iterations', 30);
const POLL_MS = flag('poll-ms', 5);
const TIMEOUT_MS = 10_000;

const VERSION_LINE = /^embargo_policy_bundle_version(?:\{[^}]*\})?\s+(\S+)/m;

interface PolicyFile {
  path: string;
  content: string;
}

function marker(i: number): string {
  return [
    'version: 1',
    'rules:',
    '  - id: bench-marker',
    '    description: Written by bench/policy/propagation; changes on every version.',
    '    priority: 100',
    `    when: 'request.model == "never-${i}"'`,
    '    deny:',
    `      reason: propagation bench marker ${i}`,
    '',
  ].join('\n');
}

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

class Scraper {
  private readonly pool: Pool;
  readonly scrapeMs: number[] = [];

  constructor(readonly app: RunningApp) {
    this.pool = new Pool(app.url, { connections: 1, keepAliveTimeout: 30_000 });
  }

  async metrics(): Promise<string> {
    const start = performance.now();
    const res = await this.pool.request({ method: 'GET', path: '/metrics' });
    const text = await res.body.text();
    this.scrapeMs.push(performance.now() - start);
    return text;
  }

  async version(): Promise<number | undefined> {
    const m = VERSION_LINE.exec(await this.metrics());
    return m ? Number(m[1]) : undefined;
  }

  /** Resolves with performance.now() of the first answer showing `version` (or later). */
  async waitFor(version: number, deadline: number): Promise<number> {
    for (;;) {
      const v = await this.version();
      const now = performance.now();
      if (v !== undefined && v >= version) return now;
      if (now > deadline) return Number.POSITIVE_INFINITY;
      await sleep(POLL_MS);
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** The ingress-side histogram: bucket upper bound → cumulative count, plus sum and count. */
function histogram(text: string): { buckets: [string, number][]; sum: number; count: number } {
  const buckets: [string, number][] = [];
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('embargo_policy_bundle_propagation_seconds')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const le = /le="([^"]+)"/.exec(line);
    if (line.includes('_bucket') && le) buckets.push([le[1], value]);
    else if (line.includes('_sum')) sum = value;
    else if (line.includes('_count')) count = value;
  }
  return { buckets, sum, count };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((l) => l.toFixed(2));
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, node ${process.version}; load average before ${loadBefore.join(' / ')}`,
  );
  const stack = await startStack();
  const second = await startApp('ingress', stack.ingressEnv).catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  const ingresses = [new Scraper(stack.apps.ingress), new Scraper(second)];
  const admin = new Pool(stack.apps.policy.url, { connections: 2 });
  const headers = {
    authorization: `Bearer ${stack.adminToken}`,
    'content-type': 'application/json',
  };
  try {
    const api = async <T>(
      method: 'GET' | 'POST',
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: T }> => {
      const res = await admin.request({
        method,
        path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, json: (await res.body.json()) as T };
    };
    const list = await api<{ data: { version: number }[] }>('GET', '/v1/policy/versions');
    let current = Math.max(...list.json.data.map((v) => v.version));
    // Both ingresses must hold the starting version before the clock means anything.
    for (const ing of ingresses) await ing.waitFor(current, performance.now() + 30_000);
    const before = await Promise.all(ingresses.map(async (i) => histogram(await i.metrics())));
    console.log(
      `policy version at start: ${current}; ${ITERATIONS} publishes, polling every ${POLL_MS} ms`,
    );

    const perIngress: number[][] = ingresses.map(() => []);
    const every: number[] = [];
    const postMs: number[] = [];
    for (let i = 1; i <= ITERATIONS; i++) {
      const bundle = await api<{ files: PolicyFile[] }>('GET', `/v1/policy/versions/${current}`);
      const files = bundle.json.files.filter((f) => f.path !== 'bench-marker.yaml');
      files.push({ path: 'bench-marker.yaml', content: marker(i) });
      const t0 = performance.now();
      const waiting = ingresses.map((ing) => ing.waitFor(current + 1, t0 + TIMEOUT_MS));
      const posted = await api<{ version?: number; error?: unknown }>(
        'POST',
        '/v1/policy/versions',
        { files },
      );
      postMs.push(performance.now() - t0);
      if (posted.status !== 201 || posted.json.version !== current + 1) {
        throw new Error(
          `publish answered ${posted.status}: ${JSON.stringify(posted.json).slice(0, 500)}`,
        );
      }
      current = posted.json.version;
      const seen = await Promise.all(waiting);
      const lat = seen.map((t) => t - t0);
      lat.forEach((ms, k) => perIngress[k].push(ms));
      every.push(Math.max(...lat));
      console.log(
        `v${current}: POST ${postMs[postMs.length - 1].toFixed(1)} ms; ` +
          lat.map((ms, k) => `ingress ${k + 1} ${ms.toFixed(1)} ms`).join(', '),
      );
      // Break the phase between publishes and the consumers' fetch loop.
      await sleep(100 + Math.random() * 200);
    }

    // Confirm with real requests that each ingress decides with the last version.
    const embeddingsToken = await stack.idp.token('indexer');
    const usedBy = await Promise.all(
      ingresses.map(async (ing) => {
        const res = await fetch(`${ing.app.url}/v1/embeddings`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${embeddingsToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ model: 'stand-in-embedding', input: 'propagation check' }),
        });
        await res.arrayBuffer();
        return `${res.status} v${res.headers.get('x-embargo-policy-version')}`;
      }),
    );
    const after = await Promise.all(ingresses.map(async (i) => histogram(await i.metrics())));

    const s = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const fmt = (xs: number[]) => {
      const o = s(xs);
      return `p50 ${pct(o, 0.5).toFixed(1).padStart(7)}  p90 ${pct(o, 0.9).toFixed(1).padStart(7)}  p99 ${pct(o, 0.99).toFixed(1).padStart(7)}  max ${pct(o, 1).toFixed(1).padStart(7)} ms`;
    };
    const scrape = s(ingresses.flatMap((i) => i.scrapeMs));
    console.log(`\n=== Bundle propagation, ${ITERATIONS} publishes, 2 ingresses ===`);
    console.log(
      `load average before ${loadBefore.join(' / ')}, after ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    console.log(
      `publish to every ingress  ${fmt(every)}   (target p99 < 1000 ms: ${pct(s(every), 0.99) < 1000 ? 'met' : 'NOT met'})`,
    );
    perIngress.forEach((xs, k) => console.log(`publish to ingress ${k + 1}       ${fmt(xs)}`));
    console.log(`admin POST (201)          ${fmt(postMs)}`);
    console.log(
      `resolution: poll every ${POLL_MS} ms + scrape p50 ${pct(scrape, 0.5).toFixed(1)} ms / p99 ${pct(scrape, 0.99).toFixed(1)} ms`,
    );
    console.log(`last version used by the ingresses (real requests): ${usedBy.join(', ')}`);
    after.forEach((h, k) => {
      const b = before[k];
      const n = h.count - b.count;
      const buckets = h.buckets
        .map(([le, c], j) => `≤${le}s:${c - (b.buckets[j]?.[1] ?? 0)}`)
        .join(' ');
      console.log(
        `ingress ${k + 1} histogram embargo_policy_bundle_propagation_seconds (this run): n=${n}, mean ${((1000 * (h.sum - b.sum)) / Math.max(1, n)).toFixed(1)} ms; cumulative ${buckets}`,
      );
    });
  } finally {
    await Promise.all(ingresses.map((i) => i.close()));
    await admin.destroy();
    await second.stop();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
