/**
 * Added latency of Embargo over calling the stand-in upstream directly, with
 * authentication, policy and audit events on, and the highest sustainable rate through it.
 * Target (docs/benchmarks.md): added p50 < 3 ms and p99 < 15 ms at 200 requests/s.
 *
 * The whole system runs as processes (startStack: OpenID provider, stand-in upstream,
 * policy, masking, audit, ingress) on the local Kafka, Redis and OpenSearch. One open-loop
 * generator (load.ts) sends a small request with a distinct input each time (so none is a
 * cache hit) (a) to the stand-in with its key and (b) through the ingress with an identity
 * token. Phases alternate (direct, gateway, ...)
 * so a noisy neighbour hurts both alike; figures are medians across rounds.
 * Then the rate steps up until throughput < 95 % of the target, p99 > 100 ms or errors > 0.1 %.
 * With --target-rates (e.g. 150,100,50,25) it also tries those rates, highest first, each as
 * one direct and one gateway run of --step-duration, and names the highest at which the added
 * latency meets the target (p50 < 3 ms, p99 < 15 ms) on this machine.
 *
 * With --indexer-nice N the audit service and OpenSearch (which index the events after the
 * response, off the data path) run at that CPU priority for the measurement, as a single host
 * would run them beside the data path; OpenSearch's priority is put back at the end.
 *
 * Run: npm run build && node dist/bench/gateway/latency.js
 *   [--rate 200] [--duration 20] [--rounds 2] [--warmup 5]
 *   [--step-duration 10] [--max-rate 3000] [--no-max] [--target-rates 150,100,50,25]
 *   [--indexer-nice 10]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TESTING_ENV, startStack, sleep, type Stack } from '@embargo/testing';
import {
  failures,
  machineCpuSeconds,
  processCpuSeconds,
  loadAverage,
  machine,
  makePool,
  median,
  parseFlags,
  pct,
  runOpenLoop,
  distinctEmbeddingBodies,
  type RunResult,
  type Target,
} from './load';

const flags = parseFlags(process.argv.slice(2));
const RATE = Number(flags.rate ?? 200);
const DURATION = Number(flags.duration ?? 20);
const ROUNDS = Math.max(1, Number(flags.rounds ?? 2));
const WARMUP = Number(flags.warmup ?? 5);
const STEP_DURATION = Number(flags['step-duration'] ?? 10);
const MAX_RATE = Number(flags['max-rate'] ?? 3000);
const FIND_MAX = flags['no-max'] === undefined;
const TARGET_RATES = (flags['target-rates'] ?? '')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => b - a);
const TARGET_P50_MS = 3;
const TARGET_P99_MS = 15;
const INDEXER_NICE =
  flags['indexer-nice'] === undefined ? undefined : Number(flags['indexer-nice']);
const STEPS = [200, 300, 400, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000].filter(
  (r) => r <= MAX_RATE,
);

/** CPU ms per request of each process of the system, and how busy the machine was. */
interface CpuUse {
  perRequestMs: Record<string, number>;
  machineBusy: number;
}

/** Pids of the local Kafka, OpenSearch and Redis, as `deploy/local/status` reports them. */
function infraPids(): Record<string, number> {
  try {
    const out = execFileSync(join(REPO_ROOT, 'deploy', 'local', 'status'), { encoding: 'utf8' });
    return Object.fromEntries(
      [...out.matchAll(/^(\w+)\s.*?pid (\d+)/gm)].map((m) => [m[1], Number(m[2])]),
    );
  } catch {
    return {};
  }
}
const INFRA = infraPids();

/**
 * Sets the CPU priority of every thread of `pid` (Linux keeps one per thread; threads started
 * later inherit their parent thread's). Returns false when the process is gone.
 */
function renice(pid: number | undefined, nice: number): boolean {
  if (pid === undefined) return false;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        setPriority(Number(tid), nice);
      } catch {
        // A thread that ended meanwhile.
      }
    }
    return true;
  } catch {
    return false;
  }
}

async function withCpu(
  stack: Stack,
  run: () => Promise<RunResult>,
): Promise<{ r: RunResult; cpu: CpuUse }> {
  const procs: Record<string, number | undefined> = {
    ingress: stack.apps.ingress.process.pid,
    'stand-in': stack.standIn.app.process.pid,
    audit: stack.apps.audit.process.pid,
    masking: stack.apps.masking.process.pid,
    policy: stack.apps.policy.process.pid,
    generator: process.pid,
    ...INFRA,
  };
  const before = Object.fromEntries(
    Object.entries(procs).map(([k, p]) => [k, processCpuSeconds(p)]),
  );
  const m0 = machineCpuSeconds();
  const r = await run();
  const m1 = machineCpuSeconds();
  const perRequestMs = Object.fromEntries(
    Object.entries(procs).map(([k, p]) => [
      k,
      ((processCpuSeconds(p) - before[k]) * 1000) / r.sent,
    ]),
  );
  return { r, cpu: { perRequestMs, machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total) } };
}

/** Requests whose `completed` event the audit index holds. */
async function indexedRequests(stack: Stack): Promise<number> {
  const url = `${TESTING_ENV.OPENSEARCH_URL}/${stack.auditIndex}/_count?q=stage:completed`;
  const res = await fetch(url);
  return res.ok ? ((await res.json()) as { count: number }).count : -1;
}

/**
 * Waits (up to `limitMs`) until the audit index holds a `completed` event for each of the
 * `expected` requests answered through the gateway; returns the wait, or undefined.
 */
async function indexingLag(
  stack: Stack,
  expected: number,
  limitMs = 60_000,
): Promise<{ ms: number | undefined; indexed: number }> {
  const started = performance.now();
  let indexed = -1;
  while (performance.now() - started < limitMs) {
    // A search refreshes a search-idle shard first, so the count is current.
    indexed = await indexedRequests(stack);
    if (indexed >= expected) return { ms: performance.now() - started, indexed };
    await sleep(250);
  }
  return { ms: undefined, indexed };
}

const f = (n: number, w = 8): string => (Number.isFinite(n) ? n.toFixed(2) : '-').padStart(w);

function describe(r: RunResult): string {
  const s = r.latencyMs;
  const bad = failures(r);
  const extra = bad
    ? `  FAILED ${bad}: ${JSON.stringify({ ...r.statuses, ...r.errors, unanswered: r.unanswered })}`
    : '';
  return (
    `${r.target.padEnd(8)} ${String(r.rate).padStart(5)}/s  sent ${String(r.sent).padStart(6)}  ` +
    `ok ${String(r.ok).padStart(6)}  ${r.achievedRps.toFixed(0).padStart(5)}/s  ` +
    `p50 ${f(pct(s, 0.5))}  p90 ${f(pct(s, 0.9))}  p99 ${f(pct(s, 0.99))}  max ${f(pct(s, 1))} ms` +
    `  (send lag p99 ${f(pct(r.sendLagMs, 0.99), 5)})${extra}`
  );
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(`machine: ${machine()}`);
  console.log(`load average before (1/5/15 min): ${loadBefore}`);
  console.log(
    `plan: warm-up ${WARMUP} s per target; ${ROUNDS} round(s) of direct + gateway, ${DURATION} s each at ${RATE}/s` +
      (FIND_MAX ? `; then steps of ${STEP_DURATION} s up to ${MAX_RATE}/s` : ''),
  );
  const stack = await startStack();
  const pools: ReturnType<typeof makePool>[] = [];
  if (INDEXER_NICE !== undefined) {
    const done = [
      renice(stack.apps.audit.process.pid, INDEXER_NICE),
      renice(INFRA.opensearch, INDEXER_NICE),
    ];
    console.log(
      `indexer priority: audit service and OpenSearch at nice ${INDEXER_NICE}` +
        (done.every(Boolean) ? '' : ' (not every process could be changed)'),
    );
  }
  try {
    const token = async (): Promise<string> => stack.idp.token('indexer');
    const standIn = new URL(stack.standIn.baseUrl);
    const direct: Target = {
      name: 'direct',
      origin: standIn.origin,
      path: `${standIn.pathname}/embeddings`,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.ingressEnv.STAND_IN_KEY}`,
      },
      body: distinctEmbeddingBodies,
    };
    const viaEmbargo = (jwt: string): Target => ({
      name: 'gateway',
      origin: stack.apps.ingress.url,
      path: '/v1/embeddings',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
      body: distinctEmbeddingBodies,
    });
    let gateway = viaEmbargo(await token());
    const directPool = makePool(direct.origin);
    const gatewayPool = makePool(gateway.origin);
    pools.push(directPool, gatewayPool);

    console.log('\nwarm-up');
    console.log(describe(await runOpenLoop(directPool, direct, RATE, WARMUP)));
    const warm = await runOpenLoop(gatewayPool, gateway, RATE, WARMUP);
    const gatewayOk = warm.ok;
    console.log(describe(warm));

    console.log('\nmeasured rounds (latency from the scheduled send instant to the full body)');
    const rounds: { direct: RunResult; gateway: RunResult }[] = [];
    const cpuUse: { direct: CpuUse[]; gateway: CpuUse[] } = { direct: [], gateway: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first so drift in the background load does not favour one.
      const order = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
      const got: Partial<{ direct: RunResult; gateway: RunResult }> = {};
      for (const which of order) {
        const { r, cpu } = await withCpu(stack, () =>
          which === 'direct'
            ? runOpenLoop(directPool, direct, RATE, DURATION)
            : runOpenLoop(gatewayPool, gateway, RATE, DURATION),
        );
        got[which as 'direct' | 'gateway'] = r;
        cpuUse[which as 'direct' | 'gateway'].push(cpu);
        console.log(
          `round ${round + 1}  ${describe(r)}  (machine ${(cpu.machineBusy * 100).toFixed(0)} % busy)`,
        );
      }
      rounds.push(got as { direct: RunResult; gateway: RunResult });
    }
    // Every answered request's events reach the index, at whatever priority it runs.
    const answered = gatewayOk + rounds.reduce((n, r) => n + r.gateway.ok, 0);
    const lag = await indexingLag(stack, answered);
    const indexing =
      lag.ms === undefined
        ? `only ${lag.indexed} of ${answered} requests' completed events indexed 60 s after the last request`
        : `all ${answered} requests' completed events indexed ${(lag.ms / 1000).toFixed(1)} s after the last request`;
    console.log(`audit index: ${indexing}`);

    let max: { last: number; failedAt?: RunResult; steps: RunResult[] } | undefined;
    if (FIND_MAX) {
      console.log('\nhighest sustainable rate through Embargo');
      gateway = viaEmbargo(await token());
      max = { last: 0, steps: [] };
      for (const rate of STEPS) {
        await sleep(2000);
        const r = await runOpenLoop(gatewayPool, gateway, rate, STEP_DURATION);
        max.steps.push(r);
        const errRate = failures(r) / r.sent;
        const p99 = pct(r.latencyMs, 0.99);
        const reasons = [
          r.achievedRps < 0.95 * rate ? `throughput ${r.achievedRps.toFixed(0)}/s < 95 %` : '',
          !(p99 <= 100) ? `p99 ${p99.toFixed(0)} ms > 100 ms` : '',
          errRate > 0.001 ? `errors ${(errRate * 100).toFixed(2)} % > 0.1 %` : '',
        ].filter(Boolean);
        console.log(
          `step  ${describe(r)}${reasons.length ? `  -> not sustained: ${reasons.join(', ')}` : ''}`,
        );
        if (reasons.length) {
          max.failedAt = r;
          break;
        }
        max.last = rate;
      }
      // Not even the first step held: step down so the report names a rate that does.
      if (max.last === 0) {
        for (const rate of [150, 100, 75, 50, 25]) {
          await sleep(5000);
          const r = await runOpenLoop(gatewayPool, gateway, rate, STEP_DURATION);
          max.steps.push(r);
          const ok =
            r.achievedRps >= 0.95 * rate &&
            pct(r.latencyMs, 0.99) <= 100 &&
            failures(r) / r.sent <= 0.001;
          console.log(`step  ${describe(r)}${ok ? '' : '  -> not sustained'}`);
          if (ok) {
            max.last = rate;
            break;
          }
        }
      }
    }

    // The highest of the given rates at which the added latency meets the target here.
    let targetHeldAt: { rate: number; p50: number; p99: number } | undefined;
    if (TARGET_RATES.length > 0) {
      console.log('\nrates at which the added-latency target holds (one direct + one gateway run)');
      gateway = viaEmbargo(await token());
      for (const rate of TARGET_RATES) {
        await sleep(2000);
        const d = await runOpenLoop(directPool, direct, rate, STEP_DURATION);
        const g = await runOpenLoop(gatewayPool, gateway, rate, STEP_DURATION);
        const p50 = pct(g.latencyMs, 0.5) - pct(d.latencyMs, 0.5);
        const p99 = pct(g.latencyMs, 0.99) - pct(d.latencyMs, 0.99);
        const held = p50 < TARGET_P50_MS && p99 < TARGET_P99_MS && failures(g) === 0;
        console.log(
          `target ${rate}/s: added p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms` +
            `  (direct p50 ${pct(d.latencyMs, 0.5).toFixed(2)}, via Embargo p50 ${pct(g.latencyMs, 0.5).toFixed(2)},` +
            ` server-timing gateway p50 ${pct(g.gatewayMs, 0.5).toFixed(2)})` +
            (held ? '  -> target met' : ''),
        );
        if (held) {
          targetHeldAt = { rate, p50, p99 };
          break;
        }
      }
    }

    const loadAfter = loadAverage();
    const med = (pick: (r: { direct: RunResult; gateway: RunResult }) => number): number =>
      median(rounds.map(pick));
    const q = [0.5, 0.9, 0.99, 1] as const;
    console.log(
      `\n=== Embargo added latency, ${RATE} req/s, ${ROUNDS} x ${DURATION} s per target (medians across rounds) ===`,
    );
    console.log(`machine: ${machine()}`);
    console.log(`load average before: ${loadBefore}   after: ${loadAfter}`);
    console.log('                          p50       p90       p99       max   (ms)');
    const row = (
      label: string,
      pick: (q: number) => (r: { direct: RunResult; gateway: RunResult }) => number,
    ): void => console.log(`${label.padEnd(22)}${q.map((x) => f(med(pick(x)), 10)).join('')}`);
    row('direct to stand-in', (x) => (r) => pct(r.direct.latencyMs, x));
    row('via Embargo', (x) => (r) => pct(r.gateway.latencyMs, x));
    row(
      'added (difference)',
      (x) => (r) => pct(r.gateway.latencyMs, x) - pct(r.direct.latencyMs, x),
    );
    row('server-timing gateway', (x) => (r) => pct(r.gateway.gatewayMs, x));
    row('server-timing upstream', (x) => (r) => pct(r.gateway.upstreamMs, x));
    row('generator send lag', (x) => (r) => pct(r.gateway.sendLagMs, x));
    const cpuMed = (which: 'direct' | 'gateway', k: string): number =>
      median(cpuUse[which].map((c) => c.perRequestMs[k]));
    console.log(
      `CPU ms per request (medians; /proc utime+stime):   via Embargo: ` +
        ['ingress', 'stand-in', 'audit', 'masking', 'generator', ...Object.keys(INFRA)]
          .map((k) => `${k} ${cpuMed('gateway', k).toFixed(2)}`)
          .join(', ') +
        `;   direct: stand-in ${cpuMed('direct', 'stand-in').toFixed(2)}, generator ${cpuMed('direct', 'generator').toFixed(2)}` +
        Object.keys(INFRA)
          .map((k) => `, ${k} ${cpuMed('direct', k).toFixed(2)}`)
          .join(''),
    );
    console.log(
      `machine busy (all cores) during phases: direct ${(100 * median(cpuUse.direct.map((c) => c.machineBusy))).toFixed(0)} %, via Embargo ${(100 * median(cpuUse.gateway.map((c) => c.machineBusy))).toFixed(0)} %` +
        ' (Kafka, OpenSearch and other users of the machine included)',
    );
    const addedP50 = med((r) => pct(r.gateway.latencyMs, 0.5) - pct(r.direct.latencyMs, 0.5));
    const addedP99 = med((r) => pct(r.gateway.latencyMs, 0.99) - pct(r.direct.latencyMs, 0.99));
    const ratioP50 = med((r) => pct(r.gateway.latencyMs, 0.5) / pct(r.direct.latencyMs, 0.5));
    console.log(
      `added p50 ${addedP50.toFixed(2)} ms (target < ${TARGET_P50_MS}: ${addedP50 < TARGET_P50_MS ? 'met' : 'NOT met'}), ` +
        `added p99 ${addedP99.toFixed(2)} ms (target < ${TARGET_P99_MS}: ${addedP99 < TARGET_P99_MS ? 'met' : 'NOT met'}); ` +
        `via/direct p50 ratio ${ratioP50.toFixed(2)}`,
    );
    const all = rounds.flatMap((r) => [r.direct, r.gateway]);
    const bad = all.reduce((n, r) => n + failures(r), 0);
    const sent = all.reduce((n, r) => n + r.sent, 0);
    console.log(
      `responses: ${sent - bad}/${sent} were 200${bad ? `; failures ${JSON.stringify(all.map((r) => ({ ...r.statuses, ...r.errors, unanswered: r.unanswered })))}` : ''}`,
    );
    const versions = new Set(rounds.flatMap((r) => [...r.gateway.policyVersions]));
    console.log(`policy version(s) named in responses: ${[...versions].join(', ')}`);
    console.log(`audit index: ${indexing}`);
    if (max) {
      const failed = max.failedAt
        ? `first unsustained step ${max.failedAt.rate}/s (${max.failedAt.achievedRps.toFixed(0)}/s achieved, p99 ${pct(max.failedAt.latencyMs, 0.99).toFixed(1)} ms, ${failures(max.failedAt)} failures)`
        : `every step up to ${MAX_RATE}/s held`;
      console.log(
        `highest sustainable rate through Embargo: ${max.last}/s (${STEP_DURATION} s steps); ${failed}`,
      );
    }
    if (TARGET_RATES.length > 0)
      console.log(
        targetHeldAt
          ? `added-latency target met at ${targetHeldAt.rate}/s (p50 ${targetHeldAt.p50.toFixed(2)} ms, p99 ${targetHeldAt.p99.toFixed(2)} ms; highest of ${TARGET_RATES.join(', ')}/s tried)`
          : `added-latency target met at none of ${TARGET_RATES.join(', ')}/s`,
      );
  } finally {
    // OpenSearch outlives the run (the audit service stops with the stack).
    if (INDEXER_NICE !== undefined) renice(INFRA.opensearch, 0);
    await Promise.all(pools.map((p) => p.destroy()));
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
