/**
 * An open-loop HTTP load generator: requests leave at fixed, precomputed instants whatever
 * the server is doing, and each latency is measured from the instant the request was due,
 * not from when it actually left. A stalled server therefore shows as latency (queueing in
 * the pool or behind a late timer counts), instead of silently lowering the offered rate
 * the way a closed loop does (coordinated omission).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Pool } from 'undici';

export interface Target {
  name: string;
  /** POST unless given (GET requests send no body). */
  method?: 'GET' | 'POST';
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The body, or a function of the request's sequence number (e.g. a distinct input each). */
  body: string | ((i: number) => string);
}

export interface RunResult {
  target: string;
  rate: number;
  durationS: number;
  sent: number;
  ok: number;
  /** Non-200 answers by status, and transport errors by message. */
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** Requests still unanswered when the drain timeout ran out (counted as errors). */
  unanswered: number;
  /** ms from the scheduled instant to the end of the response body, successful requests. */
  latencyMs: Float64Array;
  /** ms the generator sent late (timer and event-loop lag on the shared machine). */
  sendLagMs: Float64Array;
  /** `server-timing: gateway;dur=X` values, when the target sends them. */
  gatewayMs: Float64Array;
  upstreamMs: Float64Array;
  /** Successful responses per second, from the first scheduled instant to the last answer. */
  achievedRps: number;
  /** x-embargo-policy-version values seen. */
  policyVersions: Set<string>;
}

export function makePool(origin: string, connections = 64): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
}

const nonce = `${process.pid}-${Date.now()}`;
let sequence = 0;

/**
 * The benchmark's request body, with a distinct input each time (a run nonce and a sequence
 * number), so no request through Embargo is answered from its embedding cache: every one is
 * forwarded to the stand-in, like for like with the direct calls.
 */
export function distinctEmbeddingBodies(): string {
  return JSON.stringify({
    model: 'stand-in-embedding',
    input: `a short sentence about the weather, reading ${nonce}-${sequence++}`,
  });
}

const SERVER_TIMING = /(\w+);dur=([\d.]+)/g;

/**
 * Sends `rate * durationS` requests (a hard bound) at a fixed arrival rate, then waits at
 * most `drainMs` for the stragglers.
 */
export async function runOpenLoop(
  pool: Pool,
  target: Target,
  rate: number,
  durationS: number,
  drainMs = 10_000,
): Promise<RunResult> {
  const total = Math.max(1, Math.round(rate * durationS));
  const intervalMs = 1000 / rate;
  const latency: number[] = [];
  const lag = new Float64Array(total);
  const gateway: number[] = [];
  const upstream: number[] = [];
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const policyVersions = new Set<string>();
  let ok = 0;
  let done = 0;
  let lastAnswer = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));

  const fire = (i: number, due: number): void => {
    lag[i] = performance.now() - due;
    const method = target.method ?? 'POST';
    const body =
      method === 'GET' ? undefined : typeof target.body === 'string' ? target.body : target.body(i);
    pool
      .request({ method, path: target.path, headers: target.headers, body })
      .then(async (res) => {
        // Read the whole body: the response is only delivered once the body is.
        await res.body.arrayBuffer();
        const end = performance.now();
        lastAnswer = end;
        if (res.statusCode !== 200) {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          return;
        }
        ok++;
        latency.push(end - due);
        const timing = res.headers['server-timing'];
        if (typeof timing === 'string') {
          for (const m of timing.matchAll(SERVER_TIMING)) {
            if (m[1] === 'gateway') gateway.push(Number(m[2]));
            else if (m[1] === 'upstream') upstream.push(Number(m[2]));
          }
        }
        const version = res.headers['x-embargo-policy-version'];
        if (typeof version === 'string') policyVersions.add(version);
      })
      .catch((err: Error) => {
        const key = err.message.slice(0, 80);
        errors[key] = (errors[key] ?? 0) + 1;
      })
      .finally(() => {
        if (++done === total) allDone();
      });
  };

  const start = performance.now() + 5;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        fire(next, start + next * intervalMs);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(1, start + next * intervalMs - now)));
    };
    setTimeout(tick, 5);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    finished,
    new Promise<void>((r) => {
      timer = setTimeout(r, drainMs);
    }),
  ]);
  clearTimeout(timer);
  const unanswered = total - done;
  const elapsedS = Math.max(durationS, (lastAnswer - start) / 1000);
  return {
    target: target.name,
    rate,
    durationS,
    sent: total,
    ok,
    statuses,
    errors,
    unanswered,
    latencyMs: sorted(latency),
    sendLagMs: sorted(Array.from(lag)),
    gatewayMs: sorted(gateway),
    upstreamMs: sorted(upstream),
    achievedRps: ok / elapsedS,
    policyVersions,
  };
}

export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile of a sorted array; NaN when empty. */
export function pct(s: Float64Array, q: number): number {
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function failures(r: RunResult): number {
  return (
    Object.values(r.statuses).reduce((a, b) => a + b, 0) +
    Object.values(r.errors).reduce((a, b) => a + b, 0) +
    r.unanswered
  );
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** utime + stime of a process in seconds (Linux /proc); NaN when unavailable. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + (cpu[4] ?? 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

export function parseFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--'))
      flags[a.slice(2)] = argv[++i];
    else flags[a.slice(2)] = 'true';
  }
  return flags;
}
