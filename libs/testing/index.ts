export * from './config';
export * from './test-idp';
export * from './tokens';
export * from './jwks-server';
export * from './processes';
export * from './stack';
export * from './fingerprints';
export * from './fault-proxy';
