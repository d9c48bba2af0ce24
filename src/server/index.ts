/**
 * The DM server's parts around the session (subpath export `omadm/server`): the store
 * (SQLite or PostgreSQL through Kysely, with the job queue), device credentials and
 * failed-auth rate limiting, jobs as session commands, the HTTP endpoint, and the
 * management operations as a TypeScript API and a REST API with its OpenAPI document.
 */
export * from './store/index.js';
export * from './auth/index.js';
export * from './jobs/index.js';
export * from './management/index.js';
export * from './api/index.js';
export {
  createDmServer, DEFAULT_MAX_BODY_BYTES, dmRequestListener, stopDmServer,
  type DmHandler, type DmHttpAnswer, type DmHttpOptions, type DmHttpRequest, type DmServerOptions,
} from './http/dm-http.js';
export { DM_MEDIA_TYPES, dmMediaType, parseDmMediaType, type DmMediaType, type MediaFamily } from '../binding/media-type.js';
