/**
 * The DM server (subpath export `omadm/server`): the whole server as `omadm serve` runs it
 * (startServerStack), and each of its parts: the DM service over the session core, the
 * store (SQLite or PostgreSQL through Kysely, with the job queue), device credentials and
 * failed-auth rate limiting, jobs as session commands, the HTTP endpoint, the management
 * operations as a TypeScript API and a REST API with its OpenAPI document, logs and
 * metrics, alert handlers and the webhook, Package#0 senders, and the sweeper.
 */
export * from './store/index.js';
export * from './auth/index.js';
export * from './jobs/index.js';
export * from './management/index.js';
export * from './api/index.js';
export * from './service/index.js';
export {
  createLogger, type Logger, type LoggerOptions, type LogLevel, DEFAULT_REDACT_LIMITS, SENSITIVE_KEY, redactForLog, redactText, type RedactLimits,
  alertLogObserver, eventLine, logObserver, sweepLogObserver, OTHER_LABEL, boundedLabel, createMetrics, type MetricsOptions, type ServerMetrics,
  DEFAULT_HEALTH_TIMEOUT_MS, HealthTimeoutError, opsRequestListener, opsRoutes, type OpsHttpOptions, type RequestListener,
} from './ops/index.js';
export * from './alerts/index.js';
export * from './notify/index.js';
export { createSweeper, type Sweeper, type SweeperOptions } from './sweeper.js';
export { startOmadmServer, type OmadmServer, type OmadmServerOptions, type Route as ServerRoute } from './app.js';
export { startServerStack, type ServerStack, type ServerStackOptions } from './server-stack.js';
export {
  createDmServer, DEFAULT_MAX_BODY_BYTES, dmRequestListener, stopDmServer,
  type DmHandler, type DmHttpAnswer, type DmHttpOptions, type DmHttpRequest, type DmServerOptions,
} from './http/dm-http.js';
export { DM_MEDIA_TYPES, dmMediaType, parseDmMediaType, type DmMediaType, type MediaFamily } from '../binding/media-type.js';
