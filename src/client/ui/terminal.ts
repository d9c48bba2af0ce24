/**
 * A handler that asks on a terminal (node:readline): prints the text, reads the answer.
 * Confirm: y / n / c(ancel). Input: a line (c alone on the line does not cancel; an empty
 * line with a DR takes it; Ctrl-D cancels). Choice: numbers separated by spaces or commas,
 * or c. The streams come in, so tests drive it with PassThrough streams.
 */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { UiHandler } from './runner.js';
import type { UiRequest, UiResponse } from './request.js';

export interface TerminalStreams {
  readonly input: Readable;
  readonly output: Writable;
}

export function terminalHandler(streams: TerminalStreams): UiHandler {
  return async (request, signal) => {
    const rl = createInterface({ input: streams.input, terminal: false });
    // The iterator buffers lines typed ahead of the prompt.
    const lines = rl[Symbol.asyncIterator]();
    const aborted = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const ask = async (prompt: string): Promise<string | undefined> => {
      streams.output.write(prompt);
      const next = await Promise.race([lines.next(), aborted]);
      return next === undefined || next.done ? undefined : next.value;
    };
    try {
      return await converse(request, ask, (line) => streams.output.write(`${line}\n`));
    } finally {
      rl.close();
    }
  };
}

async function converse(request: UiRequest, ask: (prompt: string) => Promise<string | undefined>, say: (line: string) => void): Promise<UiResponse> {
  switch (request.kind) {
    case 'display':
      say(request.text);
      return { kind: 'ok' };
    case 'confirm': {
      const hint = request.defaultYes === undefined ? 'y/n/c' : request.defaultYes ? 'Y/n/c' : 'y/N/c';
      for (let tries = 0; tries < 5; tries++) {
        const line = await ask(`${request.text} [${hint}] `);
        if (line === undefined) return { kind: 'cancel' };
        const a = line.trim().toLowerCase();
        if (a === '' && request.defaultYes !== undefined) return { kind: request.defaultYes ? 'yes' : 'no' };
        if (a === 'y' || a === 'yes') return { kind: 'yes' };
        if (a === 'n' || a === 'no') return { kind: 'no' };
        if (a === 'c' || a === 'cancel') return { kind: 'cancel' };
      }
      return { kind: 'cancel' };
    }
    case 'input': {
      const masked = request.options.echoType === 'P' ? ' (hidden input is not masked on this terminal)' : '';
      const line = await ask(`${request.text}${request.defaultText !== undefined ? ` [${request.defaultText}]` : ''}${masked} `);
      if (line === undefined) return { kind: 'cancel' };
      return { kind: 'text', text: line === '' && request.defaultText !== undefined ? request.defaultText : line };
    }
    case 'single':
    case 'multiple': {
      say(request.text);
      request.choices.forEach((choice, i) => say(`  ${i + 1}. ${choice}${request.defaults.includes(i + 1) ? ' *' : ''}`));
      for (let tries = 0; tries < 5; tries++) {
        const line = await ask(request.kind === 'single' ? 'Choose one (or c): ' : 'Choose, separated by spaces (or c): ');
        if (line === undefined) return { kind: 'cancel' };
        const a = line.trim().toLowerCase();
        if (a === 'c' || a === 'cancel') return { kind: 'cancel' };
        if (a === '' && request.defaults.length > 0) return { kind: 'chosen', choices: request.defaults };
        const picked = a.split(/[\s,]+/).map(Number);
        if (picked.length > 0 && picked.every((n) => Number.isInteger(n) && n >= 1 && n <= request.choices.length) && (request.kind === 'multiple' || picked.length === 1)) {
          return { kind: 'chosen', choices: picked };
        }
        say('Not a choice.');
      }
      return { kind: 'cancel' };
    }
  }
}
