import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { clientRequestId } from '@embargo/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, JwtAuthGuard, type Principal } from '../identity';
import { callerGone } from './caller-gone';
import { EmbeddingsService } from './embeddings.service';

@Controller('v1')
export class EmbeddingsController {
  constructor(private readonly embeddings: EmbeddingsService) {}

  /** OpenAI-compatible `POST /v1/embeddings`; the caller's identity token is its API key. */
  @Post('embeddings')
  @HttpCode(200)
  @UseGuards(JwtAuthGuard)
  async create(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
  ) {
    const startedAt = performance.now() - reply.elapsedTime;
    const gone = callerGone(req, reply);
    try {
      const result = await this.embeddings.embed(
        { id: req.id, clientId: clientRequestId(req), signal: gone.signal },
        principal,
        body,
        startedAt,
      );
      void reply.headers(result.headers);
      return result.body;
    } finally {
      gone.dispose();
    }
  }
}
