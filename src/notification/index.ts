/** Package#0 (the server's notification), for the client and the server alike. */
export {
  buildTrigger, dmVersionField, Initiator, MAX_TRIGGER_BYTES, NOTIFICATION_MEDIA_TYPE, parseTrigger, requestedSession, triggerDigest, UiMode, verifyTrigger, ZERO_NONCE,
  type RequestedSession, type ServerSecret, type Trigger, type TriggerFields,
} from './trigger.js';
export { NotificationError, isNotificationError, type NotificationProblem } from './errors.js';
