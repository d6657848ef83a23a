import type { InjectionToken } from 'tsyringe';
import type { DbConfig } from './config/index.js';
import type { ContainerLifecycle } from './lifecycle/container-lifecycle.js';
import type { Logger } from './providers/logger.js';

/** The container's frozen {@link DbConfig}. */
export const DB_CONFIG: InjectionToken<DbConfig> = Symbol.for('@ratecreator/db:DB_CONFIG');
/** The container's root pino logger; providers log through children of it. */
export const LOGGER: InjectionToken<Logger> = Symbol.for('@ratecreator/db:LOGGER');
/** The container's disposal state (internal: use `disposeWithReport` and `checkHealth`). */
export const DB_LIFECYCLE: InjectionToken<ContainerLifecycle> = Symbol.for('@ratecreator/db:DB_LIFECYCLE');
