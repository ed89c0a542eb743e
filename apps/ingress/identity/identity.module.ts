import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import {
  IDENTITY_OPTIONS,
  type IdentityModuleOptions,
  type ResolvedIdentityOptions,
} from './identity.options';
import { IdentityService } from './identity.service';
import { validateIssuers } from './issuer-config';
import { DEFAULT_JWKS_OPTIONS } from './jwks';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { REVOCATION_CHECK } from './revocation';

@Module({})
export class IdentityModule {
  /** Validates the issuers (a bad one stops start-up, naming the field) and wires verification. */
  static forRoot(opts: IdentityModuleOptions): DynamicModule {
    const resolved: ResolvedIdentityOptions = {
      issuers: validateIssuers(opts.issuers),
      jwks: { ...DEFAULT_JWKS_OPTIONS, ...opts.jwks },
      cache: {
        maxEntries: opts.cache?.maxEntries ?? 10_000,
        maxTtlSeconds: opts.cache?.maxTtlSeconds ?? 60,
      },
    };
    const providers: Provider[] = [
      { provide: IDENTITY_OPTIONS, useValue: resolved },
      IdentityService,
      JwtStrategy,
      JwtAuthGuard,
    ];
    if (opts.revocation) {
      providers.push(
        typeof opts.revocation === 'function'
          ? { provide: REVOCATION_CHECK, useClass: opts.revocation }
          : { provide: REVOCATION_CHECK, useValue: opts.revocation },
      );
    }
    return {
      module: IdentityModule,
      imports: [PassportModule.register({ session: false })],
      providers,
      exports: [IdentityService, JwtStrategy, JwtAuthGuard],
    };
  }
}
