import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { StaticTokenGuard } from '@embargo/auth';
import { EmbargoError, toOpenAiError } from '@embargo/contracts';
import { compilePolicy, simulate } from '@embargo/policy';
import type { FastifyReply } from 'fastify';
import { parseBody, rollbackSchema, simulateSchema, uploadSchema } from './policy.dto';
import { PolicyVersions, type SubmitResult } from './policy-versions.service';

const ADMIN = 'policy-admin';

/** The policy admin API: upload, list, diff, roll back, simulate. Admins only. */
@Controller('v1/policy')
@UseGuards(StaticTokenGuard('POLICY_ADMIN_TOKEN', 'policy admin'))
export class PolicyController {
  constructor(private readonly versions: PolicyVersions) {}

  @Post('versions')
  async upload(@Body() body: unknown, @Res() reply: FastifyReply) {
    const { files } = parseBody(uploadSchema, body);
    await this.send(reply, await this.versions.submit(files, ADMIN));
  }

  @Get('versions')
  list() {
    return { object: 'list', data: this.versions.list() };
  }

  @Get('versions/:version')
  get(@Param('version', ParseIntPipe) version: number) {
    return this.versions.get(version);
  }

  @Get('diff')
  diff(@Query('from') from: string, @Query('to') to: string) {
    const a = Number(from);
    const b = Number(to);
    if (!Number.isInteger(a) || !Number.isInteger(b))
      throw new EmbargoError('invalid_request', "'from' and 'to' must be version numbers");
    return { from: a, to: b, files: this.versions.diff(a, b) };
  }

  @Post('rollback')
  async rollback(@Body() body: unknown, @Res() reply: FastifyReply) {
    const { version } = parseBody(rollbackSchema, body);
    await this.send(reply, await this.versions.rollback(version, ADMIN));
  }

  /** One request description → the decision and why (rule by rule). */
  @Post('simulate')
  @HttpCode(200)
  simulate(@Body() body: unknown) {
    const input = parseBody(simulateSchema, body);
    let policy = this.versions.current().policy;
    if (input.version) {
      const b = this.versions.get(input.version);
      const compiled = compilePolicy(b.files, { version: b.version });
      if (!compiled.ok)
        throw new EmbargoError('policy_invalid', `Version ${b.version} no longer compiles`);
      policy = compiled.policy;
    }
    return simulate(policy, {
      principal: { ...input.principal, subject: input.principal.subject ?? input.principal.id },
      request: input.request,
      findings: input.findings,
    });
  }

  private async send(reply: FastifyReply, result: SubmitResult): Promise<void> {
    if (result.ok) {
      await reply.status(result.created ? 201 : 200).send(result);
      return;
    }
    const first = result.errors[0];
    const where = first
      ? `${first.file}${first.line ? `:${first.line}:${first.col ?? 1}` : ''}${first.ruleId ? ` (rule ${first.ruleId})` : ''}`
      : '';
    await reply.status(422).send({
      ...toOpenAiError(
        'policy_invalid',
        `Policy rejected: ${where} ${first?.message ?? ''}`.trim(),
      ),
      errors: result.errors,
    });
  }
}
