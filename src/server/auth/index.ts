/** Device credentials and nonces for the session's authentication, and failed-auth rate limiting. */
export * from './device-credentials.js';
export * from './rate-limit.js';
