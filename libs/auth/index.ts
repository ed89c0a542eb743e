export * from './static-token.guard';
