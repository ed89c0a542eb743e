/**
 * What one HTTP request costs this machine before any gateway work: CPU milliseconds per
 * request of a bare `node:http` server and a bare Fastify server answering `{"ok":true}`,
 * and of the ingress answering `/healthz` and an embeddings request, all driven by the
 * latency bench's open-loop generator at the same rate. On hosts where every socket wakeup
 * is expensive (virtual machines), this floor explains most of a gateway's CPU per request:
 * each embeddings request through Embargo talks to the caller, Redis, Kafka and the upstream.
 *
 * Run: npm run build && node dist/bench/gateway/floor.js [--rate 100] [--duration 10]
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { freePort, sleep, startStack } from '@embargo/testing';
import {
  distinctEmbeddingBodies,
  loadAverage,
  machine,
  makePool,
  parseFlags,
  pct,
  processCpuSeconds,
  runOpenLoop,
  type Target,
} from './load';

const flags = parseFlags(process.argv.slice(2));
const RATE = Number(flags.rate ?? 100);
const DURATION = Number(flags.duration ?? 10);

/** Child mode: serve `{"ok":true}` on the given port with the given server. */
function serve(kind: string, port: number): void {
  if (kind === 'node-http') {
    createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    }).listen(port, '127.0.0.1');
  } else {
    const app = Fastify();
    app.get('/healthz', () => ({ ok: true }));
    void app.listen({ port, host: '127.0.0.1' });
  }
}

async function measure(pid: number | undefined, target: Target): Promise<string> {
  const pool = makePool(target.origin);
  try {
    await runOpenLoop(pool, target, RATE, 3); // warm-up, JIT included
    const before = processCpuSeconds(pid);
    const r = await runOpenLoop(pool, target, RATE, DURATION);
    const cpuMs = ((processCpuSeconds(pid) - before) * 1000) / r.sent;
    return (
      `${target.name.padEnd(22)} ${cpuMs.toFixed(2).padStart(6)} ms CPU per request   ` +
      `p50 ${pct(r.latencyMs, 0.5).toFixed(2)} ms   ${r.ok}/${r.sent} ok`
    );
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}; load average ${loadAverage()}`);
  console.log(`${RATE} requests/s for ${DURATION} s each, after 3 s of warm-up\n`);
  for (const kind of ['node-http', 'fastify']) {
    const port = await freePort();
    const child = fork(__filename, ['--serve', kind, '--port', String(port)]);
    try {
      await sleep(1500);
      const origin = `http://127.0.0.1:${port}`;
      console.log(
        await measure(child.pid, {
          name: `bare ${kind}`,
          origin,
          path: '/healthz',
          method: 'GET',
          headers: {},
          body: '',
        }),
      );
    } finally {
      child.kill();
    }
  }
  const stack = await startStack();
  try {
    const origin = stack.apps.ingress.url;
    const pid = stack.apps.ingress.process.pid;
    const token = await stack.idp.token('indexer');
    console.log(
      await measure(pid, {
        name: 'ingress /healthz',
        origin,
        path: '/healthz',
        method: 'GET',
        headers: {},
        body: '',
      }),
    );
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const embed = {
      name: 'ingress /v1/embeddings',
      origin,
      path: '/v1/embeddings',
      headers,
      body: distinctEmbeddingBodies,
    };
    console.log(await measure(pid, embed));
    console.log(
      await measure(stack.standIn.app.process.pid, {
        ...embed,
        name: 'stand-in, direct',
        origin: new URL(stack.standIn.baseUrl).origin,
        path: `${new URL(stack.standIn.baseUrl).pathname}/embeddings`,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.ingressEnv.STAND_IN_KEY}`,
        },
      }),
    );
  } finally {
    await stack.stop();
  }
}

if (flags.serve) serve(flags.serve, Number(flags.port));
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
