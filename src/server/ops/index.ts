/** Operations: structured JSON logs that never carry a secret, Prometheus metrics, /metrics and /healthz. */
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export { DEFAULT_REDACT_LIMITS, REDACTED, SENSITIVE_KEY, redactForLog, redactText, type RedactLimits } from './redact.js';
export { alertLogObserver, eventLine, logObserver, sweepLogObserver } from './log-observer.js';
export { OTHER_LABEL, boundedLabel, createMetrics, type MetricsOptions, type ServerMetrics } from './metrics.js';
export { DEFAULT_HEALTH_TIMEOUT_MS, HealthTimeoutError, opsRequestListener, opsRoutes, type OpsHttpOptions, type RequestListener, type Route } from './http.js';
