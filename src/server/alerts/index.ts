/** Alerts in: stored alerts handed to pluggable handlers and to a signed, retried webhook. */
export type { AlertContext, AlertDispatchEvent, AlertDispatchObserver, AlertHandler } from './handler.js';
export { AlertHandlerTimeoutError, createAlertDispatcher, type AlertDispatcher, type AlertDispatcherOptions, type DispatchReport } from './dispatch.js';
export {
  ALERT_ID_HEADER, ATTEMPT_HEADER, SIGNATURE_HEADER, WebhookDeliveryError, isWebhookDeliveryError, signWebhook, verifyWebhookSignature, webhookBody, webhookHandler,
  type Backoff, type SignatureCheck, type WebhookOptions, type WebhookPayload,
} from './webhook.js';
