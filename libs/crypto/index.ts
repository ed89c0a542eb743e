export * from './canonical-json';
export * from './seal';
export * from './signing';
