export * from './topics';
export * from './events';
export * from './messages';
export * from './errors';
export * from './cloudevent';
export * from './queues';
export * from './float32-json';
export * from './embeddings-response';
