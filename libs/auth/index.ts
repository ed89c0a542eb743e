export * from './authorization-headers';
export * from './static-token.guard';
