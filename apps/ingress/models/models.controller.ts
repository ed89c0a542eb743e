import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import { CurrentPrincipal, JwtAuthGuard, type Principal } from '../identity';
import { BundleStore } from '../policy/bundle.store';
import { grantMatcher } from '../policy/model-grants';
import { toPolicyPrincipal } from '../policy/policy-principal';
import { scopedModels, TokenUse } from '../exchange/token-use';
import { UpstreamClient } from '../upstream';

const CREATED = 1700000000;

/** `GET /v1/models` lists only the models the caller's roles grant and a connection serves. */
@Controller('v1/models')
@UseGuards(JwtAuthGuard)
export class ModelsController {
  constructor(
    private readonly bundles: BundleStore,
    private readonly upstream: UpstreamClient,
    private readonly tokens: TokenUse,
  ) {}

  private async visible(principal: Principal): Promise<string[]> {
    await this.tokens.checkUnused(principal);
    const granted = grantMatcher(
      this.bundles.current(),
      toPolicyPrincipal(principal),
      (m) => this.upstream.routeFor(m)?.connection,
    );
    const scoped = scopedModels(principal);
    return [...new Set(this.upstream.models())]
      .filter((m) => granted(m) && (!scoped || scoped.includes(m)))
      .sort();
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return {
      object: 'list',
      data: (await this.visible(principal)).map((id) => ({
        id,
        object: 'model',
        created: CREATED,
        owned_by: 'embargo',
      })),
    };
  }

  @Get(':model')
  async get(@CurrentPrincipal() principal: Principal, @Param('model') model: string) {
    if (!(await this.visible(principal)).includes(model)) {
      throw new EmbargoError(
        'model_not_found',
        `The model '${model}' does not exist or you do not have access to it`,
        { param: 'model' },
      );
    }
    return { id: model, object: 'model', created: CREATED, owned_by: 'embargo' };
  }
}
