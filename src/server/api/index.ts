/** The REST API under /api/v1 (node:http request listener) and its OpenAPI 3.1 document. */
export { API_PREFIX, DEFAULT_API_MAX_BODY_BYTES, apiRequestListener, apiRoute, type ApiOptions } from './listener.js';
export { API_SCHEMAS, openApiDocument, type OpenApiDocument, type OpenApiOperation, type OpenApiParameter } from './openapi.js';
export { ERROR_STATUS, OPENAPI_PATH, ROUTES, errorBody, type ErrorBody, type ErrorCode, type Method, type Route } from './routes.js';
