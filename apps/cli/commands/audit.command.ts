import { Command, InvalidArgumentError } from 'commander';
import { cliEnvironment } from '../config';
import { callService } from '../http';

const DEFAULT_URL = 'http://127.0.0.1:8084';
/** `audit search --all` stops here unless told otherwise, so a broad query cannot run on for ever. */
const DEFAULT_MAX_EVENTS = 10_000;
/** `--all` pages at the service's default size: a page of masked events can be megabytes. */
const ALL_PAGE_SIZE = 100;

interface RevealOptions {
  requestId: string;
  reason: string;
  url?: string;
  token?: string;
}

interface SearchOptions {
  requestId?: string;
  principal?: string;
  stage?: string;
  tokenId?: string;
  model?: string;
  clientIp?: string;
  query?: string;
  from?: string;
  to?: string;
  size?: number;
  cursor?: string;
  all?: boolean;
  max: number;
  url?: string;
  token?: string;
}

/** One page of `GET /v1/audit/events`. */
interface SearchPage {
  data: unknown[];
  has_more?: boolean;
  next_cursor?: string | null;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

/** Calls the audit service; its refusals become errors carrying the service's own message. */
async function callAudit(
  what: string,
  base: string,
  path: string,
  init: RequestInit,
): Promise<unknown> {
  const res = await callService('the audit service', `${base}${path}`, init);
  if (!res.ok) {
    let message = res.text.slice(0, 500);
    try {
      message = (JSON.parse(res.text) as { error: { message: string } }).error.message;
    } catch {
      // Not the OpenAI error shape (a proxy's page): shown as it came.
    }
    throw new Error(`${what} refused (${res.status}): ${message}`);
  }
  return JSON.parse(res.text);
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('actions on the audit trail');

  audit
    .command('search')
    .option('--request-id <id>', "events of one request (the gateway's x-request-id)")
    .option('--principal <id>', "events of one principal (the caller's principal id)")
    .option('--stage <stage>', 'events of one lifecycle stage or auditor action (e.g. masked)')
    .option('--token-id <jti>', 'the exchange that issued a token and the requests made with it')
    .option('--model <model>', 'events of one model')
    .option(
      '--client-ip <address>',
      'refusals of callers without a verified identity from one address',
    )
    .option('-q, --query <text>', 'free text over masked input, messages and reasons')
    .option('--from <time>', 'events at or after this ISO 8601 time')
    .option('--to <time>', 'events at or before this ISO 8601 time')
    .option('--size <n>', 'events per page (the service default: 100; at most 1000)', positiveInt)
    .option(
      '--cursor <cursor>',
      'continue after the page whose next_cursor this is (same filters and --query)',
    )
    .option('--all', 'follow next_cursor and print every matching event, one JSON line each')
    .option(
      '--max <n>',
      `with --all, stop after this many events (default ${DEFAULT_MAX_EVENTS})`,
      positiveInt,
      DEFAULT_MAX_EVENTS,
    )
    .option('--url <url>', `audit service (or EMBARGO_AUDIT_URL; default ${DEFAULT_URL})`)
    .option('--token <token>', 'search token (or EMBARGO_AUDIT_TOKEN)')
    .description(
      'search the audit trail, newest first; prints one page with its next_cursor, or with --all every event as JSON lines',
    )
    .action(async (opts: SearchOptions) => {
      const base = (opts.url ?? cliEnvironment.auditUrl ?? DEFAULT_URL).replace(/\/+$/, '');
      const token = opts.token ?? cliEnvironment.auditToken;
      if (!token) throw new Error('audit search needs the search token: set EMBARGO_AUDIT_TOKEN');
      const params = new URLSearchParams();
      for (const [name, value] of [
        ['requestId', opts.requestId],
        ['principal', opts.principal],
        ['stage', opts.stage],
        ['tokenId', opts.tokenId],
        ['model', opts.model],
        ['clientIp', opts.clientIp],
        ['q', opts.query],
        ['from', opts.from],
        ['to', opts.to],
      ] as const)
        if (value !== undefined) params.set(name, value);
      const page = async (cursor: string | undefined, size = opts.size) => {
        const query = new URLSearchParams(params);
        if (size !== undefined) query.set('size', String(size));
        if (cursor) query.set('cursor', cursor);
        return (await callAudit('audit search', base, `/v1/audit/events?${query.toString()}`, {
          headers: { authorization: `Bearer ${token}` },
        })) as SearchPage;
      };

      if (!opts.all) {
        process.stdout.write(`${JSON.stringify(await page(opts.cursor), null, 2)}\n`);
        return;
      }
      let cursor = opts.cursor;
      let printed = 0;
      for (;;) {
        // The last page asks for no more than --max leaves room for, so its cursor resumes exactly.
        const size = Math.min(opts.size ?? ALL_PAGE_SIZE, opts.max - printed);
        const { data, next_cursor: next } = await page(cursor, size);
        for (const event of data) process.stdout.write(`${JSON.stringify(event)}\n`);
        printed += data.length;
        if (!next) return;
        if (printed >= opts.max) {
          process.stderr.write(
            `stopped at --max ${opts.max} events; more match: continue with --cursor ${next}\n`,
          );
          return;
        }
        cursor = next;
      }
    });

  audit
    .command('reveal')
    .requiredOption('--request-id <id>', "the gateway's request id (its x-request-id header)")
    .requiredOption('--reason <text>', 'why the original is needed; recorded in the audit trail')
    .option('--url <url>', `audit service (or EMBARGO_AUDIT_URL; default ${DEFAULT_URL})`)
    .option('--token <token>', 'reveal token (or EMBARGO_AUDIT_REVEAL_TOKEN)')
    .description(
      "print a request's original input and its masked input with tokens reversed; the reveal is recorded in the audit trail first",
    )
    .action(async (opts: RevealOptions) => {
      const base = (opts.url ?? cliEnvironment.auditUrl ?? DEFAULT_URL).replace(/\/+$/, '');
      const token = opts.token ?? cliEnvironment.auditRevealToken;
      if (!token)
        throw new Error('audit reveal needs the reveal token: set EMBARGO_AUDIT_REVEAL_TOKEN');
      const revelation = await callAudit('audit reveal', base, '/v1/audit/reveal', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ requestId: opts.requestId, reason: opts.reason }),
      });
      process.stdout.write(`${JSON.stringify(revelation, null, 2)}\n`);
    });

  return audit;
}
