/** Package#0: built for a stored device, and the senders that carry it (HTTP push, SMS gateway as WAP push). */
export {
  buildDeviceNotification, DEFAULT_ANNOUNCEMENT_TTL_MS, isNotifyError, notificationFor, notifyDevice, NotifyError, randomSessionId, recordAnnouncement,
  type DeviceNotification, type NotificationRequest, type NotifyOutcome, type NotifyProblem,
} from './build.js';
export { isNotifySendError, NotifySendError, type NotificationSender, type SendOptions, type SendResult } from './sender.js';
export { httpPushSender, type HttpPushOptions } from './http-push.js';
export { httpSmsGateway, smsSender, type HttpSmsGatewayOptions, type SmsGateway, type SmsMessage, type SmsSenderOptions } from './sms.js';
export {
  SMS_OCTETS, smsSegments, uintvar, WAP_APPLICATION_SYNCML_DM, WDP_PORT_WAP_PUSH, WDP_PORT_WAP_WSP, WSP_CONTENT_TYPE_SYNCML_NOTIFICATION,
  WSP_HEADER_X_WAP_APPLICATION_ID, WSP_PUSH_PDU, wspPushPdu, type SmsSegment,
} from './wap-push.js';
