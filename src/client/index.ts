/**
 * The DM client: management tree with ACLs, command execution (Atomic, Sequence, Exec),
 * standard objects, user interaction, tree stores, client alerts, and the thin glue to a
 * session (device.ts). Package#0 lives in src/notification (shared with the server).
 */
export { ManagementTree, defaultTreeLimits, PROPERTIES, type NodeInit, type ResultItem, type TreeChanges, type TreeImage, type TreeLimits, type TreeOptions } from './tree/tree.js';
export { TreeError, isTreeError } from './tree/errors.js';
export { ACL_COMMANDS, ANY_SERVER, formatAcl, grants, parseAcl, withoutServer, type Acl, type AclCommand } from './tree/acl.js';
export { checkValue } from './tree/format.js';
export { TNDS_MEDIA_TYPE, TNDS_NAMESPACE } from './tree/tnds.js';
export { formatTStamp, type Clock, type NodeRecord } from './tree/node.js';
export { formatUri, parseUri, pathKey, type NodeAddress, type UriLimits } from './tree/uri.js';
export { CommandExecutor, type Answer, type ExecutorOptions, type UiAnswer, type UiRunner } from './executor/executor.js';
export { ExecRegistry, type ExecCompletion, type ExecHandler, type ExecOutcome, type ExecRequest } from './executor/exec-handlers.js';
export { ALERT_MARKS, execCompletionAlert, genericAlert, isAlertType, treeChangeAlert, type AlertMark, type GenericAlertItem } from './alerts.js';
export { DEVDETAIL, DEVINFO, devInfoItems, devInfoReplace, installDevDetail, installDevInfo, type DevDetail, type DevInfo } from './objects/devinfo.js';
export { DMACC, DMACC_11, findAccount, installAccount, readAccounts, storeNonce, type AccountCredential, type AuthLevel, type DmAccount } from './objects/dmacc.js';
export { createDeviceTree, openDeviceTree, simulatedDeviceTree, type DeviceTreeInit, type SimulatedDeviceInit } from './objects/device-tree.js';
export { TreeChangeTracker, type ChangeSnapshot } from './objects/tree-changes.js';
export type { FaultPoint, TreeStore } from './store/store.js';
export { FileTreeStore } from './store/file-store.js';
export { SqliteTreeDatabase } from './store/sqlite-store.js';
export { parseUiOptions, type EchoType, type InputType, type UiOptions } from './ui/options.js';
export { parseUiAlert, type UiRequest, type UiResponse } from './ui/request.js';
export { createUiRunner, defaultResponse, realTimer, type UiHandler, type UiRunnerOptions, type UiTimer } from './ui/runner.js';
export { autoAnswer, type AutoAnswers } from './ui/auto.js';
export { terminalHandler, type TerminalStreams } from './ui/terminal.js';
export { acceptNotification, type AcceptedNotification } from './package-zero.js';
export { DmDevice, type CommandEvent, type DeviceOptions, type SessionSurface } from './device.js';
export { HttpTransport, TransportError, isTransportError, type DmHttpExchange, type DmHttpReply, type HttpTransportOptions, type TransportProblem } from './transport/http-transport.js';
export { DM_MEDIA_TYPES, dmMediaType, parseDmMediaType, type DmMediaType, type MediaFamily } from '../binding/media-type.js';
export {
  ACCOUNT_AUTH_TYPE,
  authOfCredential,
  DEFAULT_DEVICE_MAX_MSG_SIZE,
  formatTranscript,
  runDeviceSession,
  type AuthChoice,
  type DeviceSessionOptions,
  type DeviceSessionTranscript,
  type DmTransport,
  type SessionOutcome,
} from './runner/runner.js';
export { formatCommand, formatPackages, summarizeCommand, type Sender, type TranscriptCommand, type TranscriptMessage, type TranscriptPackage } from './runner/transcript.js';
