export * from './kafka.service';
export * from './kafka.producer';
export * from './kafka.consumer';
export * from './kafka.module';
export * from './service-modules';
