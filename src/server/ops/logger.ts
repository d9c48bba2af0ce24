/**
 * Structured JSON logs (pino), one object per line. Every object handed to the logger,
 * its child bindings and its message text go through the redaction rule of ./redact.ts
 * first, so no secret reaches a line (test/server/ops/logger.test.ts proves it for each
 * road: merged objects, bindings, errors, format arguments, messages).
 */
import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { redactForLog, redactText } from './redact.js';

export type Logger = PinoLogger;
export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  /** Lowest level written. Default `info`. */
  readonly level?: LogLevel;
  /** Where lines go (anything with `write(line)`). Default standard output. */
  readonly destination?: DestinationStream;
  /** The `name` field of every line. Default `omadm`. */
  readonly name?: string;
  /** Milliseconds since the epoch for the `time` field (tests pass a fixed clock). Default Date.now. */
  readonly clock?: () => number;
}

/** What redaction made of a merge object, as the fields of a line (a merged Secret becomes `value`). */
function asFields(safe: unknown): Record<string, unknown> {
  return typeof safe === 'object' && safe !== null && !Array.isArray(safe) ? (safe as Record<string, unknown>) : { value: safe };
}

/** A logger whose every line is redacted (./redact.ts). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const clock = options.clock;
  const logger = pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'omadm',
      base: undefined, // no pid or hostname: the process is not what a line is about
      ...(clock !== undefined ? { timestamp: () => `,"time":${Math.trunc(clock())}` } : {}),
      // Errors are made plain (and redacted) by formatters.log; pino's serializer would rename them.
      serializers: { err: (e: unknown) => e },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => asFields(redactForLog(bindings)),
        log: (object) => asFields(redactForLog(object)),
      },
      hooks: {
        // The message and its format arguments (`log.info('%s', x)`): strings are scrubbed,
        // objects redacted before pino formats them.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // `log.warn(error)`: pino would take the message from the error unscrubbed.
          const head = first instanceof Error ? [{ err: first }, ...(rest.length === 0 ? [first.message] : [])] : [first];
          // The merge object (first, when not text) is redacted by formatters.log; the
          // message and the format arguments after it are made safe here.
          const safe = [...head, ...rest].map((a, i) => (i === 0 && typeof a === 'object' && a !== null ? a : typeof a === 'string' ? redactText(a) : typeof a === 'object' && a !== null ? redactForLog(a) : a));
          method.apply(this, safe as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  // pino applies the bindings formatter to the root's bindings only; a child's bindings
  // (and setBindings) are redacted here, on the prototype every child inherits from.
  const child = logger.child;
  const setBindings = logger.setBindings;
  const patched = logger as unknown as { child: (b: object, o?: { msgPrefix?: string }) => Logger; setBindings: (b: object) => void };
  patched.child = function (this: Logger, bindings: object, childOptions?: { msgPrefix?: string }): Logger {
    const safeOptions = childOptions?.msgPrefix !== undefined ? { ...childOptions, msgPrefix: redactText(childOptions.msgPrefix) } : childOptions;
    return child.call(this, redactForLog(bindings) as Record<string, unknown>, safeOptions as Parameters<typeof child>[1]) as unknown as Logger;
  };
  patched.setBindings = function (this: Logger, bindings: object) {
    setBindings.call(this, redactForLog(bindings) as Record<string, unknown>);
  };
  return logger;
}
