export * from './canonical-json';
export * from './seal';
