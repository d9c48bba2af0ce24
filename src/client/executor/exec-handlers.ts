/**
 * What the embedding application registers for Exec: one handler per node (canonical
 * key, e.g. `./FwUpdate/Pkg/Update`). A handler finishes at once with a status, or accepts
 * the work (202) and settles later; the executor then queues the Generic Alert carrying
 * the Exec's Correlator (section 6.7.1.10).
 */
import type { Meta } from '../../../generated/types.js';
import type { AlertMark } from '../alerts.js';

export interface ExecRequest {
  /** The Exec's target URI as sent. */
  readonly uri: string;
  /** Canonical key of the node. */
  readonly key: string;
  readonly serverId: string;
  readonly data?: string;
  readonly meta?: Meta;
  readonly correlator?: string;
}

/** What the later Generic Alert reports. */
export interface ExecCompletion {
  /** Generic Alert Type (URN or reversed domain name), e.g. `urn:oma:at:fumo:1.0:downloadandupdate`. */
  readonly type: string;
  readonly format?: string;
  readonly mark?: AlertMark;
  /** Alert Data, e.g. a result code of the management object. */
  readonly data: string;
}

export type ExecOutcome =
  /** Done: the Exec's status (200, or an error code). */
  | { readonly status: number }
  /** Accepted (202); the promise settles when the work ends. */
  | { readonly accepted: Promise<ExecCompletion> };

export type ExecHandler = (request: ExecRequest) => ExecOutcome | Promise<ExecOutcome>;

export class ExecRegistry {
  private readonly handlers = new Map<string, ExecHandler>();

  /** Registers the handler of the node at `key` (canonical, `./A/B`). */
  register(key: string, handler: ExecHandler): this {
    this.handlers.set(key, handler);
    return this;
  }

  unregister(key: string): void {
    this.handlers.delete(key);
  }

  get(key: string): ExecHandler | undefined {
    return this.handlers.get(key);
  }
}
