export * from './types';
export * from './secret';
export * from './connections';
export * from './adapters';
export * from './upstream.client';
export * from './upstream.module';
