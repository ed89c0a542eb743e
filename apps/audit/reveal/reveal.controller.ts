import { Body, Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { StaticTokenGuard } from '@embargo/auth';
import { EmbargoError } from '@embargo/contracts';
import type { FastifyRequest } from 'fastify';
import { revealRequestSchema, type Revelation } from './reveal.dto';
import { REVEAL_CREDENTIAL, RevealService } from './reveal.service';

/**
 * The auditor's reveal action, behind a token of its own: the search token reads the trail
 * (masked text), only this one opens what the caller sent.
 */
@Controller('v1/audit')
@UseGuards(StaticTokenGuard(REVEAL_CREDENTIAL, 'auditor reveal', { optional: true }))
export class RevealController {
  constructor(private readonly reveals: RevealService) {}

  /** A request's original input and its masked input with tokens reversed; itself audited. */
  @Post('reveal')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async reveal(@Body() body: unknown, @Req() req: FastifyRequest): Promise<Revelation> {
    const parsed = revealRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') || undefined;
      throw new EmbargoError(
        'invalid_request',
        `Invalid request body${param ? `: ${param}` : ''}: ${issue?.message}`,
        { param },
      );
    }
    const agent = req.headers['user-agent'];
    return this.reveals.reveal(parsed.data, { clientIp: req.ip, userAgent: agent });
  }
}
