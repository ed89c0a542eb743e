/** Injection tokens of the observability module, apart so its controller can use them too. */
export const LOGGER = Symbol('LOGGER');
export const APP_IDENTITY = Symbol('APP_IDENTITY');
