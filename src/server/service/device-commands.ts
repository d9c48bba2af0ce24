/**
 * The answer to each command the device sends us (the server manages; the device only
 * reports), in one table:
 *   Alert 1200/1201        the session alert of Package#1                 200
 *   Alert 1226             Generic Alert (6.7): stored for the handlers    200
 *   Alert 1227/1228        tree unchanged / changed: stored                200
 *   Alert 1224, 1229       client event, requested MO: taken note of       200
 *   Replace/Add            of ./DevInfo or ./DevDetail nodes (Package#1)   200
 *   anything else          (Sync, Map, Put, Get, Exec, UI alerts, ...)     406 Optional feature not supported
 */
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import type { Alert, Item, SyncBodyCommand } from '../../../generated/types.js';
import { itemsOf } from '../../../generated/command-helpers.js';
import type { AlertInit, ResultItem } from '../store/types.js';

/** Alerts the store keeps (store.recordAlert). */
export const STORED_ALERTS: readonly number[] = [AlertCode.GenericAlert, AlertCode.TreeUnchanged, AlertCode.TreeChanged];

/** Alerts answered 200 without being kept. */
const NOTED_ALERTS: readonly number[] = [AlertCode.ClientInitiatedSession, AlertCode.ServerInitiatedSession, AlertCode.ClientEvent, AlertCode.RequestedManagementObject];

/** Where a device reports about itself with Replace or Add. */
const SELF_REPORTS = ['./DevInfo/', './DevDetail/'];

export interface DeviceCommandAnswer {
  readonly status: number;
  /** The alert to store, for 1226, 1227 and 1228. */
  readonly alert?: Omit<AlertInit, 'deviceId' | 'sessionRef'>;
}

export function answerDeviceCommand(command: SyncBodyCommand): DeviceCommandAnswer {
  if (command.kind === 'Alert') {
    const code = Number((command.data ?? '').trim());
    if (STORED_ALERTS.includes(code)) return { status: StatusCode.Ok, alert: alertToStore(code, command) };
    if (NOTED_ALERTS.includes(code)) return { status: StatusCode.Ok };
    return { status: StatusCode.OptionalFeatureNotSupported };
  }
  if (command.kind === 'Replace' || command.kind === 'Add') {
    const items = itemsOf(command);
    const self = items.every((i) => {
      const uri = i.source?.locURI ?? i.target?.locURI ?? '';
      return SELF_REPORTS.some((p) => uri.startsWith(p));
    });
    return { status: self ? StatusCode.Ok : StatusCode.OptionalFeatureNotSupported };
  }
  return { status: StatusCode.OptionalFeatureNotSupported };
}

function alertToStore(code: number, alert: Alert): Omit<AlertInit, 'deviceId' | 'sessionRef'> {
  const mark = alert.items.map((i) => i.meta?.mark).find((m) => m !== undefined);
  return {
    code,
    items: alert.items.map(resultItem),
    ...(alert.correlator !== undefined ? { correlator: alert.correlator.trim() } : {}),
    ...(mark !== undefined ? { mark: mark.trim() } : {}),
  };
}

function resultItem(item: Item): ResultItem {
  return {
    ...(item.source !== undefined ? { source: item.source.locURI } : {}),
    ...(item.target !== undefined ? { target: item.target.locURI } : {}),
    ...(item.meta?.format !== undefined ? { format: item.meta.format } : {}),
    ...(item.meta?.type !== undefined ? { type: item.meta.type } : {}),
    ...(item.data !== undefined ? { data: item.data } : {}),
  };
}
