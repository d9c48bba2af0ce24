/**
 * The authentication exchanges of the DM protocol spec, section 9.4, step by step, with
 * real messages: each side builds its message, the XML codec carries it, and the other
 * side's machine reads what arrived.
 */
import { describe, expect, it } from 'vitest';
import { AlertCode, AuthType, StatusCode } from '../../../generated/codes.js';
import { MessageBuilder } from '../../../generated/builders.js';
import { decodeXml } from '../../../generated/xml-decoder.js';
import { encodeXml } from '../../../generated/xml-encoder.js';
import type { Cred, Status, SyncML } from '../../../generated/types.js';
import {
  AuthProver,
  AuthVerifier,
  decodeNonce,
  InMemoryCredentialStore,
  type VerifierAnswer,
} from '../../../src/session/auth/index.js';
import { CLIENT, counterRandom, SERVER } from './pair.js';

let msgID = 0;

/** Package #1 from the DM Client, carrying whatever the prover attaches. */
function clientPackage(cred: Cred | undefined): SyncML {
  return new MessageBuilder({
    sessionID: '1',
    msgID: String(++msgID),
    target: { locURI: SERVER },
    source: { locURI: CLIENT, locName: 'Bruce2' },
    ...(cred ? { cred } : {}),
  })
    .alert({ data: String(AlertCode.ClientInitiatedSession), items: [] })
    .final()
    .build();
}

/** Package #2 from the DM Server: the Status for the client's SyncHdr. */
function serverPackage(answer: VerifierAnswer, msgRef: string): SyncML {
  return new MessageBuilder({ sessionID: '1', msgID: String(++msgID), target: { locURI: CLIENT }, source: { locURI: SERVER } })
    .status({
      msgRef,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [SERVER],
      sourceRefs: [CLIENT],
      data: String(answer.status),
      ...(answer.chal ? { chal: answer.chal } : {}),
      items: [],
    })
    .final()
    .build();
}

const wire = (message: SyncML): SyncML => decodeXml(encodeXml(message));
const hdrStatus = (message: SyncML): Status => message.syncBody.commands.find((c): c is Status => c.kind === 'Status' && c.cmd === 'SyncHdr')!;

/** The server side: reads the client's SyncHdr and answers. */
function serve(verifier: AuthVerifier, arrived: SyncML): { answer: VerifierAnswer; reply: SyncML } {
  const { cred, source, msgID: ref } = arrived.syncHdr;
  const answer = verifier.receive({ ...(cred ? { cred } : {}), ...(source.locName ? { username: source.locName } : {}) });
  return { answer, reply: wire(serverPackage(answer, ref)) };
}

describe('DM-PRO-S-010-M: Support application layer authentication (spec 9.4)', () => {
  it('9.4.1 basic authentication with a challenge', () => {
    const client = new InMemoryCredentialStore([[SERVER, { ours: { username: 'Bruce2', password: 'OhBehave', scheme: AuthType.Basic } }]]);
    const server = new InMemoryCredentialStore([[CLIENT, { theirs: { username: 'Bruce2', password: 'OhBehave' } }]]);
    const prover = new AuthProver({ store: client, peer: SERVER, preemptive: false });
    const verifier = new AuthVerifier({ store: server, peer: CLIENT, scheme: AuthType.Basic, random: counterRandom() });

    // Package #1 from DM Client: no credentials.
    const p1 = wire(clientPackage(prover.outgoing().cred));
    expect(p1.syncHdr.cred).toBeUndefined();

    // Package #2 from DM Server: 407 with a basic Chal; the commands are not executed.
    const first = serve(verifier, p1);
    expect(first.answer).toMatchObject({ status: StatusCode.MissingCredentials, authenticated: false });
    const chal = hdrStatus(first.reply).chal;
    expect(chal?.meta).toMatchObject({ type: 'syncml:auth-basic', format: 'b64' });
    expect(chal?.meta.nextNonce).toBeUndefined();
    prover.receiveStatus(hdrStatus(first.reply));
    expect(prover.state).toBe('presenting');

    // Package #1 again, with credentials: base64 of 'Bruce2:OhBehave'.
    const p1again = wire(clientPackage(prover.outgoing().cred));
    expect(p1again.syncHdr.cred?.meta).toMatchObject({ type: 'syncml:auth-basic', format: 'b64' });
    expect(p1again.syncHdr.cred?.data).toBe('QnJ1Y2UyOk9oQmVoYXZl');

    // Package #2: 212, authenticated for the session.
    const second = serve(verifier, p1again);
    expect(second.answer).toMatchObject({ status: StatusCode.AuthenticationAccepted, authenticated: true });
    expect(hdrStatus(second.reply).data).toBe('212');
    expect(hdrStatus(second.reply).chal).toBeUndefined();
    prover.receiveStatus(hdrStatus(second.reply));
    expect([prover.state, verifier.state]).toEqual(['accepted', 'accepted']);

    // The rest of the session needs no Cred.
    const p3 = wire(clientPackage(prover.outgoing().cred));
    expect(p3.syncHdr.cred).toBeUndefined();
    expect(serve(verifier, p3).answer).toMatchObject({ status: StatusCode.Ok, authenticated: true });
  });

  it('9.4.2 MD5 digest access authentication with a challenge', () => {
    const client = new InMemoryCredentialStore([[SERVER, { ours: { username: 'Bruce2', password: 'OhBehave', scheme: AuthType.Md5Digest } }]]);
    const server = new InMemoryCredentialStore([[CLIENT, { theirs: { username: 'Bruce2', password: 'OhBehave' } }]]);
    const prover = new AuthProver({ store: client, peer: SERVER, preemptive: false });
    // The server's random source yields 'Nonce' first, as in the spec's example.
    const nonces = [new TextEncoder().encode('Nonce'), new TextEncoder().encode('Next1')];
    const verifier = new AuthVerifier({ store: server, peer: CLIENT, scheme: AuthType.Md5Digest, random: () => nonces.shift()!, nonceLength: 5 });

    // Packages #1 and #2 (omitted in the spec): no credentials, then 407 with an MD5 Chal and NextNonce.
    const first = serve(verifier, wire(clientPackage(prover.outgoing().cred)));
    const chal = hdrStatus(first.reply).chal!;
    expect(first.answer.status).toBe(StatusCode.MissingCredentials);
    expect(chal.meta).toMatchObject({ type: 'syncml:auth-md5', format: 'b64', nextNonce: 'Tm9uY2U=' });
    prover.receiveStatus(hdrStatus(first.reply));
    expect(client.get(SERVER)?.nonceToUse).toEqual(decodeNonce('Tm9uY2U='));

    // Package #1 from DM Client with MD5 credentials: the spec's digest, and LocName Bruce2.
    const p1 = wire(clientPackage(prover.outgoing().cred));
    expect(p1.syncHdr.source.locName).toBe('Bruce2');
    expect(p1.syncHdr.cred).toMatchObject({ meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' });

    // Package #2 from DM Server: 212 and a Chal with the next nonce, for the next session.
    const second = serve(verifier, p1);
    expect(second.answer).toMatchObject({ status: StatusCode.AuthenticationAccepted, authenticated: true });
    expect(hdrStatus(second.reply).chal?.meta).toMatchObject({ type: 'syncml:auth-md5', format: 'b64', nextNonce: 'TmV4dDE=' });
    prover.receiveStatus(hdrStatus(second.reply));
    expect(prover.state).toBe('accepted');
    expect(client.get(SERVER)?.nonceToUse).toEqual(new TextEncoder().encode('Next1'));
    expect(server.get(CLIENT)?.expectedNonce).toEqual(new TextEncoder().encode('Next1'));

    // The next session starts with credentials over the next nonce and is accepted at once.
    const nextProver = new AuthProver({ store: client, peer: SERVER });
    const nextVerifier = new AuthVerifier({ store: server, peer: CLIENT, random: counterRandom() });
    const nextSession = serve(nextVerifier, wire(clientPackage(nextProver.outgoing().cred)));
    expect(nextSession.answer.status).toBe(StatusCode.AuthenticationAccepted);
  });

  it('HMAC: the x-syncml-hmac header over the encoded body, verified against the bytes received', () => {
    const client = new InMemoryCredentialStore([[SERVER, { ours: { username: 'Bruce2', password: 'OhBehave', scheme: AuthType.Hmac } }]]);
    const server = new InMemoryCredentialStore([[CLIENT, { theirs: { username: 'Bruce2', password: 'OhBehave' } }]]);
    const prover = new AuthProver({ store: client, peer: SERVER });
    const verifier = new AuthVerifier({ store: server, peer: CLIENT, scheme: AuthType.Hmac, random: counterRandom() });

    // A fresh account: the first mac is over no nonce, which proves nothing (9.1 replay): 401 + a nonce.
    for (const expected of [StatusCode.InvalidCredentials, StatusCode.Ok, StatusCode.Ok]) {
      const out = prover.outgoing();
      expect(out.cred).toBeUndefined();
      const body = encodeXml(clientPackage(undefined));
      const header = out.hmacHeader!(body);
      expect(header).toMatch(/^algorithm=MD5, username="Bruce2", mac=[A-Za-z0-9+/]{22}==$/);
      const answer = verifier.receive({ hmacHeader: header, body });
      // HMAC authenticates every message: 200 and a fresh nonce each time.
      expect(answer).toMatchObject({ status: expected, authenticated: expected === StatusCode.Ok });
      expect(answer.chal?.meta).toMatchObject({ type: 'syncml:auth-MAC', format: 'b64' });
      prover.receiveStatus({ data: String(answer.status), chal: answer.chal! });
    }
    // A body changed on the way no longer matches its header.
    const out = prover.outgoing();
    const header = out.hmacHeader!(encodeXml(clientPackage(undefined)));
    expect(verifier.receive({ hmacHeader: header, body: encodeXml(clientPackage(undefined)) }).status).toBe(StatusCode.InvalidCredentials);
  });
});
