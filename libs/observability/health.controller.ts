import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Metrics } from './metrics';
import { Readiness } from './readiness';
import { LOGGER } from './tokens';

@Controller()
export class HealthController {
  /** The last logged failure of each check, so a failing dependency is logged once per change. */
  private readonly logged = new Map<string, string>();

  constructor(
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Which checks fail and why, in words meant for anyone; the errors behind them go to the log. */
  @Get('readyz')
  async readyz(@Res() reply: FastifyReply) {
    const result = await this.readiness.shared();
    for (const [check, status] of Object.entries(result.checks)) {
      const said = result.detail[check] ?? status;
      if (status === 'ok') this.logged.delete(check);
      else if (this.logged.get(check) !== said) {
        this.logged.set(check, said);
        this.logger.warn({ check, error: said }, 'not ready');
      }
    }
    await reply
      .status(result.ok ? 200 : 503)
      .send({ status: result.ok ? 'ready' : 'not_ready', checks: result.checks });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText() {
    return this.metrics.registry.metrics();
  }
}
