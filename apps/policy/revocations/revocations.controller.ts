import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { StaticTokenGuard } from '@embargo/auth';
import { SIGNED_PURPOSES } from '@embargo/contracts';
import { DocumentSigner } from '@embargo/crypto';
import { KafkaService } from '@embargo/kafka';
import { parseBody, revocationBodySchema } from '../versions/policy.dto';

/** Revokes (or restores) a principal or a token id on every gateway within a second. */
@Controller('v1/revocations')
@UseGuards(StaticTokenGuard('POLICY_ADMIN_TOKEN', 'policy admin'))
export class RevocationsController {
  constructor(
    private readonly kafka: KafkaService,
    private readonly signer: DocumentSigner,
  ) {}

  @Post()
  @HttpCode(201)
  async revoke(@Body() body: unknown) {
    return this.publish(parseBody(revocationBodySchema, body), true);
  }

  @Post('restore')
  @HttpCode(200)
  async restore(@Body() body: unknown) {
    return this.publish(parseBody(revocationBodySchema, body), false);
  }

  private async publish(
    r: { kind: 'principal' | 'token'; value: string; until?: string; reason?: string },
    active: boolean,
  ) {
    const revocation = this.signer.sign(SIGNED_PURPOSES.revocation, {
      ...r,
      active,
      revokedBy: 'policy-admin',
      revokedAt: new Date().toISOString(),
    });
    await this.kafka.publisher.publish('revocations', revocation, { key: `${r.kind}:${r.value}` });
    return revocation;
  }
}
