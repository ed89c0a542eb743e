import { Module } from '@nestjs/common';
import { DocumentSigner } from '@embargo/crypto';
import { serviceModules } from '@embargo/kafka';
import type { PolicyConfig } from './config';
import { RevocationsController } from './revocations/revocations.controller';
import { PolicyController } from './versions/policy.controller';
import { PolicyVersions } from './versions/policy-versions.service';

@Module({})
export class PolicyModule {
  static forRoot(config: PolicyConfig, instance: string) {
    return {
      module: PolicyModule,
      imports: [...serviceModules('policy', config, instance)],
      controllers: [PolicyController, RevocationsController],
      providers: [
        PolicyVersions,
        // Bundles and revocations leave this service signed; gateways drop what does not verify.
        { provide: DocumentSigner, useValue: new DocumentSigner(config.POLICY_SIGNING_KEYS) },
      ],
    };
  }
}
