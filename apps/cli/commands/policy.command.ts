import { ed25519PublicPoint } from '@embargo/crypto';
import { runCases, simulate } from '@embargo/policy';
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cliEnvironment } from '../config';
import { callService } from '../http';
import { compileDirOrExit } from './policy-files';

const DEFAULT_DIR = 'deploy/policies';

function readInput(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

export function policyCommand(): Command {
  const policy = new Command('policy').description('validate, test and simulate policies');

  policy
    .command('validate')
    .argument('[dir]', 'policy directory', DEFAULT_DIR)
    .description('compile a policy directory; exit 1 with each error and its position')
    .action((dir: string) => {
      const compiled = compileDirOrExit(dir);
      process.stdout.write(`ok: ${compiled.ruleCount} rules, hash ${compiled.hash}\n`);
    });

  policy
    .command('keygen')
    .option('--id <kid>', 'key id (letters and digits, up to 32)', 'p1')
    .description(
      'a new Ed25519 pair: POLICY_SIGNING_KEYS for the policy service, POLICY_VERIFY_KEYS for gateways',
    )
    .action((opts: { id: string }) => {
      if (!/^[A-Za-z0-9]{1,32}$/.test(opts.id))
        throw new Error('--id must be 1 to 32 letters or digits');
      const seed = randomBytes(32);
      process.stdout.write(
        `POLICY_SIGNING_KEYS=${opts.id}:${seed.toString('base64')}\n` +
          `POLICY_VERIFY_KEYS=${opts.id}:${ed25519PublicPoint(seed).toString('base64')}\n`,
      );
    });

  policy
    .command('test')
    .argument('<cases>', 'YAML file of cases with expected decisions')
    .option('-p, --policies <dir>', 'policy directory (default: the folder of the cases file)')
    .description('run policy cases; exit 1 when any decision differs from the expected one')
    .action((cases: string, opts: { policies?: string }) => {
      const compiled = compileDirOrExit(opts.policies ?? dirname(cases));
      const report = runCases(compiled, readInput(cases));
      for (const r of report.results) {
        process.stdout.write(`${r.passed ? 'ok  ' : 'FAIL'} ${r.name}\n`);
        for (const f of r.failures) process.stdout.write(`       ${f}\n`);
      }
      process.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
      process.exitCode = report.failed > 0 ? 1 : 0;
    });

  policy
    .command('simulate')
    .argument(
      '[request]',
      'YAML/JSON request description (principal, request, findings), or - for stdin',
      '-',
    )
    .option('-p, --policies <dir>', 'policy directory', DEFAULT_DIR)
    .option('--url <url>', 'ask a running policy service instead (POST /v1/policy/simulate)')
    .option('--token <token>', 'policy admin token for --url (or EMBARGO_POLICY_TOKEN)')
    .description('one request description → the decision and, rule by rule, why')
    .action(async (file: string, opts: { policies: string; url?: string; token?: string }) => {
      const input = parseYaml(readInput(file)) as {
        principal: {
          id?: string;
          issuer: string;
          subject?: string;
          roles?: string[];
          groups?: string[];
          scopes?: string[];
          claims?: Record<string, unknown>;
        };
        request: Record<string, unknown>;
        findings?: Record<string, number>;
      };
      if (opts.url) {
        const token = opts.token ?? cliEnvironment.policyToken;
        const res = await callService(
          'the policy service',
          `${opts.url.replace(/\/$/, '')}/v1/policy/simulate`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify(input),
          },
        );
        let answer = res.text;
        try {
          answer = JSON.stringify(JSON.parse(res.text), null, 2);
        } catch {
          // Not JSON (a proxy's page): shown as it came.
        }
        process.stdout.write(`${answer}\n`);
        process.exitCode = res.ok ? 0 : 1;
        return;
      }
      const compiled = compileDirOrExit(opts.policies);
      const p = input.principal;
      const subject = p.subject ?? p.id ?? '';
      const r = input.request as {
        model: string;
        inputCount?: number;
        tokenCount?: number;
        byteSize?: number;
        time?: string;
        connection?: string;
      };
      const result = simulate(compiled, {
        principal: {
          id: p.id ?? subject,
          issuer: p.issuer,
          subject,
          roles: p.roles,
          groups: p.groups,
          scopes: p.scopes,
          claims: p.claims,
        },
        request: {
          model: r.model,
          connection: r.connection,
          inputCount: r.inputCount ?? 1,
          tokenCount: r.tokenCount ?? 0,
          byteSize: r.byteSize ?? 0,
          time: r.time,
        },
        findings: input.findings,
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });

  return policy;
}
