/** The DM service: sessions over the store, jobs out, outcomes and alerts in. */
export { DmService } from './service.js';
export { resolveOptions, type DmServiceOptions } from './options.js';
export { notifyObservers, type EventContext, type ServiceEvent, type ServiceEventType, type ServiceObserver } from './events.js';
export type { DecodeWarning } from './decode-request.js';
