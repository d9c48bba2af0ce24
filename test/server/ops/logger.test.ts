/**
 * No secret ever reaches a log line: Secret values, credentials, nonces, Authorization and
 * x-syncml-hmac headers, whatever road they take into the logger (merged objects, child
 * bindings, errors and their causes, format arguments, message text), at any depth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactForLog, redactText, REDACTED, type Logger } from '../../../src/server/ops/index.js';
import { Secret, type Device, type DeviceNonces } from '../../../src/server/store/index.js';

function capture(level: 'debug' | 'info' = 'debug'): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const out: string[] = [];
  const log = createLogger({ level, clock: () => 1_800_000_000_000, destination: { write: (s: string) => void out.push(s) } });
  return { log, text: () => out.join(''), lines: () => out.join('').trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = ['client-pw-9f3a', 'server-pw-77c1', 'Basic dXNlcjpwdw==', 'bm9uY2UtYnl0ZXM=', 'mac-b64-Zm9vYmFy', 'tok-0b2e'];

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text, `"${s}" leaked into ${text}`).not.toContain(s);
}

describe('structured JSON logs', () => {
  it('writes one JSON object per line with level, time and name', () => {
    const { log, lines } = capture();
    log.info({ deviceId: 'IMEI:1' }, 'hello');
    expect(lines()).toEqual([{ level: 'info', time: 1_800_000_000_000, name: 'omadm', deviceId: 'IMEI:1', msg: 'hello' }]);
  });

  it('writes nothing below its level', () => {
    const { log, lines } = capture('info');
    log.debug('quiet');
    log.info('loud');
    expect(lines().map((l) => l['msg'])).toEqual(['loud']);
  });
});

describe('redaction: no secret reaches a log line', () => {
  const device: Device = {
    id: 'IMEI:493005100592800',
    serverId: 'omadm-server',
    client: { scheme: 'md5', name: 'dev-user', secret: new Secret(SECRETS[0]!) },
    server: { scheme: 'hmac', name: 'omadm-server', secret: new Secret(SECRETS[1]!) },
    acceptedClientSchemes: ['md5'],
    createdAt: 1,
    updatedAt: 2,
  };
  const nonces: DeviceNonces = { nonceToUse: Buffer.from('nonce-bytes'), expectedNonce: new Uint8Array([1, 2, 3]) };

  it('hides Secret values and keeps what is not secret (a stored device)', () => {
    const { log, lines, text } = capture();
    log.info({ device }, 'device');
    expectNoSecret(text());
    const logged = lines()[0]!['device'] as Record<string, Record<string, unknown>>;
    expect(logged['client']).toEqual({ scheme: 'md5', name: 'dev-user', secret: REDACTED });
    expect(logged['id']).toBe(device.id);
  });

  it('hides nonces (under their keys, and as bytes under any key)', () => {
    const { log, lines, text } = capture();
    log.info({ stored: nonces, body: new Uint8Array(300), raw: Buffer.from('nonce-bytes').buffer }, 'nonces');
    expect(text()).not.toContain('nonce-bytes');
    expect(text()).not.toContain('bm9uY2UtYnl0ZXM'); // its base64
    const line = lines()[0]!;
    expect(line['stored']).toEqual({ nonceToUse: REDACTED, expectedNonce: REDACTED });
    expect(line['body']).toBe('[300 bytes]');
  });

  it('hides Authorization and x-syncml-hmac headers in objects and in text', () => {
    const { log, text } = capture();
    const headers = {
      authorization: SECRETS[2],
      'Proxy-Authorization': SECRETS[2],
      'x-syncml-hmac': `algorithm=MD5, username="dev-user", mac=${SECRETS[4]}`,
      'content-type': 'application/vnd.syncml.dm+xml',
    };
    log.info({ req: { method: 'POST', url: '/dm', headers } }, 'request');
    log.warn(`bad request: Authorization: ${SECRETS[2]}`);
    log.warn(`x-syncml-hmac: algorithm=MD5, username="u", mac=${SECRETS[4]}`);
    log.warn('MAC check failed (mac=%s)', SECRETS[4]);
    log.info({ header: `algorithm=MD5, username="u", mac=${SECRETS[4]}` }, 'hmac');
    // node's rawHeaders: names and values side by side in one array.
    log.info({ rawHeaders: ['Authorization', SECRETS[2], 'X-SyncML-HMAC', `algorithm=MD5, username="u", mac=${SECRETS[4]}`, 'Proxy-Authorization', `Bearer ${SECRETS[5]}`] }, 'raw');
    expectNoSecret(text());
    expect(text()).toContain('application/vnd.syncml.dm+xml');
  });

  it('hides secrets in errors, their fields and causes, however the error is logged', () => {
    const { log, text, lines } = capture();
    const cause = Object.assign(new Error('inner'), { password: SECRETS[0] });
    const error = Object.assign(new Error(`auth failed, Authorization: ${SECRETS[2]}`, { cause }), { credentials: { secret: SECRETS[1] }, key: new Secret(SECRETS[5]!) });
    log.error(error);
    log.error({ err: error }, 'failed');
    log.error(error, 'with a message');
    expectNoSecret(text());
    expect((lines()[0]!['err'] as Record<string, unknown>)['type']).toBe('Error');
  });

  it('hides secrets in child bindings, setBindings and format arguments', () => {
    const { log, text } = capture();
    const child = log.child({ deviceId: 'd1', token: SECRETS[5] }).child({ server: { secret: SECRETS[1] } });
    child.setBindings({ password: SECRETS[0] });
    child.info('%s %o %j', new Secret(SECRETS[0]!), { secret: SECRETS[1] }, { nonce: SECRETS[3] });
    child.info(device as unknown as object, 'device as merge object');
    expectNoSecret(text());
    expect(text()).toContain('"deviceId":"d1"');
  });

  it('cuts cycles, depth, width and length, never writing what it cut', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    let deep: Record<string, unknown> = { password: SECRETS[0] };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const safe = JSON.stringify(redactForLog({ cyclic, deep, wide, list: Array.from({ length: 500 }, () => 1), long: 'x'.repeat(10_000) }));
    expect(safe).toContain('[circular]');
    expect(safe).toContain('[too deep]');
    expectNoSecret(safe);
    expect(safe.length).toBeLessThan(20_000);
    // A value shared many times over is visited a bounded number of times in all.
    let shared: unknown = { leaf: 1 };
    for (let i = 0; i < 30; i++) shared = { a: shared, b: shared };
    expect(JSON.stringify(redactForLog(shared)).length).toBeLessThan(200_000);
  });

  it('property: a secret under any sensitive key at any depth, or in a Secret anywhere, never appears', () => {
    const sensitiveKey = fc.constantFrom('secret', 'clientSecret', 'password', 'nonce', 'expectedNonce', 'Authorization', 'x-syncml-hmac', 'hmac', 'credentials', 'token', 'adminToken', 'digest', 'mac', 'cookie', 'AAuthData');
    const plainKey = fc.constantFrom('id', 'deviceId', 'items', 'data', 'name', 'scheme', 'value', 'headers', 'meta');
    const secretText = fc.string({ minLength: 12, maxLength: 24, unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'.split('')) }).map((s) => `S3CR3T${s}`);
    const path = fc.array(fc.oneof(plainKey, fc.nat({ max: 3 })), { maxLength: 6 });
    fc.assert(
      fc.property(path, sensitiveKey, secretText, fc.boolean(), (steps, key, secret, wrap) => {
        let value: unknown = wrap ? new Secret(secret) : { [key]: secret };
        for (const step of [...steps].reverse()) value = typeof step === 'number' ? Array.from({ length: step + 1 }, () => value) : { [step]: value };
        const { log, text } = capture();
        log.info(value as object, 'msg');
        log.child({ ctx: value }).info('child');
        log.info('%o', value as object);
        return !text().includes(secret);
      }),
    );
  });

  it('redactText hides header values and digest parameters but keeps the rest of the text', () => {
    expect(redactText('GET /x Authorization: Basic abc')).toBe(`GET /x Authorization: ${REDACTED}`);
    expect(redactText('a nonce="Zm9v", response=abcd, realm=x')).toBe(`a nonce=${REDACTED}, response=${REDACTED}, realm=x`);
    expect(redactText('Basic dXNlcjpwdw==')).toBe(`Basic ${REDACTED}`);
    expect(redactText('Basic authentication failed for the device')).toBe('Basic authentication failed for the device');
  });
});

describe('redaction of a bare value', () => {
  it('a Secret or bytes logged as the merge object become a `value` field', () => {
    const { log, lines, text } = capture();
    log.info(new Secret(SECRETS[0]!) as unknown as object, 'bare');
    log.info(Buffer.from(SECRETS[1]!) as unknown as object, 'bytes');
    expectNoSecret(text());
    expect(lines().map((l) => l['value'])).toEqual([REDACTED, `[${SECRETS[1]!.length} bytes]`]);
  });
});
