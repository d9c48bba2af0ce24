/** Outgoing HTTP of the server: one bounded POST, shared by the alert webhook and the Package#0 senders. */
export { checkHttpUrl, postBytes, type PostOptions, type PostOutcome } from './post.js';
