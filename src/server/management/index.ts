/** The management operations (devices, jobs, alerts, sessions) as a TypeScript API over a Store. */
export { Management, type DeviceOverview, type ManagementOptions, type PageOf } from './management.js';
export { ManagementConflictError, isManagementConflictError } from './errors.js';
export { REDACTED, redactCredentials } from './views.js';
/** The JSON Schemas of the inputs and views (the REST API and its document use them). */
export * as managementSchemas from './schemas.js';
export { SCHEMAS, jobSpec, type AlertView, type DeviceInput, type DevicePage, type DeviceView, type JobInput, type JobView, type MessageView, type RowPage, type SessionDetail, type SessionView } from './schemas.js';
export { assertKnown, check, type Infer, type JsonSchema, type JsonType, type Schema, type SchemaRegistry } from './json-schema.js';
