import { Command } from 'commander';
import { cliEnvironment } from '../config';

const DEFAULT_URL = 'http://127.0.0.1:8084';

interface RevealOptions {
  requestId: string;
  reason: string;
  url?: string;
  token?: string;
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('actions on the audit trail');

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
      let res: Response;
      try {
        res = await fetch(`${base}/v1/audit/reveal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ requestId: opts.requestId, reason: opts.reason }),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new Error(`cannot reach the audit service at ${base} (${cause})`);
      }
      const text = await res.text();
      if (!res.ok) {
        let message = text.slice(0, 500);
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          // Not the OpenAI error shape (a proxy's page): shown as it came.
        }
        throw new Error(`audit reveal refused (${res.status}): ${message}`);
      }
      process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    });

  return audit;
}
