/** The authentication layer of the session core: formulas, credentials, challenges, store, machines. */
export * from './errors.js';
export * from './digest.js';
export * from './scheme.js';
export * from './credentials.js';
export * from './challenge.js';
export * from './store.js';
export * from './snapshot.js';
export * from './authenticator.js';
