/**
 * The DM server's parts around the session (subpath export `omadm/server`): the store
 * (SQLite or PostgreSQL through Kysely, with the job queue), device credentials and
 * failed-auth rate limiting, jobs as session commands, the HTTP endpoint, the DM service
 * that joins them (DmService) and the server process around it (startOmadmServer).
 */
export * from './store/index.js';
export * from './auth/index.js';
export * from './jobs/index.js';
export {
  createDmServer, DEFAULT_MAX_BODY_BYTES, dmRequestListener, stopDmServer,
  type DmHandler, type DmHttpAnswer, type DmHttpOptions, type DmHttpRequest, type DmServerOptions,
} from './http/dm-http.js';
export { DM_MEDIA_TYPES, dmMediaType, parseDmMediaType, type DmMediaType, type MediaFamily } from '../binding/media-type.js';
export * from './service/index.js';
export { startOmadmServer, type OmadmServer, type OmadmServerOptions, type Route } from './app.js';
