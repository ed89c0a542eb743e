export * from './logger';
export * from './metrics';
export * from './readiness';
export * from './observability.module';
export * from './error.filter';
export * from './http-app';
export * from './health.controller';
export * from './service';
