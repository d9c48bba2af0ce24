/** The management operations (devices, jobs, alerts, sessions) as a TypeScript API over a Store. */
export { Management, type DeviceOverview, type ManagementOptions, type PageOf } from './management.js';
export { ManagementConflictError, isManagementConflictError } from './errors.js';
export { REDACTED, redactCredentials } from './views.js';
export * from './schemas.js';
export { assertKnown, check, type Infer, type JsonSchema, type JsonType, type Schema, type SchemaRegistry } from './json-schema.js';
