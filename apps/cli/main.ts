import { Command } from 'commander';
import { auditCommand } from './commands/audit.command';
import { maskCommand } from './commands/mask.command';
import { policyCommand } from './commands/policy.command';

/** `embargo`: the operator's command line. */
const program = new Command('embargo')
  .description('Embargo: identity-aware gateway for embedding APIs')
  .showHelpAfterError()
  .addCommand(policyCommand())
  .addCommand(maskCommand())
  .addCommand(auditCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`embargo: ${(err as Error).message}\n`);
  process.exit(1);
});
