/**
 * Builds a DM Package #1 (client to server, OMA DM 1.3 section 11.1.1), encodes it as XML,
 * decodes the XML back and prints the typed message as JSON.
 *
 *   npx tsx examples/decode-and-build.ts
 */
import { isDeepStrictEqual } from 'node:util';
import { AlertCode, AuthType, Format, MessageBuilder, cmd, decodeXml, encodeXmlString } from '../src/index.js';

/** One ./DevInfo leaf reported in the Replace of Package #1. */
function devInfo(leaf: string, value: string) {
  return {
    source: { locURI: `./DevInfo/${leaf}` },
    meta: { format: Format.Character, type: 'text/plain', emis: [] },
    data: value,
  };
}

const builder = new MessageBuilder({
  verProto: 'DM/1.3',
  sessionID: '1',
  msgID: '1',
  target: { locURI: 'http://www.syncml.org/mgmt-server' },
  source: { locURI: 'IMEI:493005100592800' },
  cred: {
    meta: { type: AuthType.Basic, format: Format.Base64, emis: [] },
    data: Buffer.from('Bruce2:OhBehave').toString('base64'),
  },
  meta: { maxMsgSize: '5000', emis: [] },
});

const message = builder
  .alert({ data: String(AlertCode.ClientInitiatedSession), items: [] }) // CmdID 1
  .command(
    cmd.replace({
      // CmdID 2
      items: [
        devInfo('DevId', 'IMEI:493005100592800'),
        devInfo('Man', 'Device Factory, Inc.'),
        devInfo('Mod', 'SmartPhone2000'),
        devInfo('DmV', '1.0.0.1'),
        devInfo('Lang', 'en-US'),
      ],
    }),
  )
  .final()
  .build();

const xml = encodeXmlString(message, { declaration: true });
console.log(xml);

const decoded = decodeXml(xml, { profile: 'dm' });
console.log(JSON.stringify(decoded, null, 2));

// The decoder returns the very value the builder made (its keys in content-model order).
if (!isDeepStrictEqual(decoded, message)) {
  console.error('round trip changed the message');
  process.exitCode = 1;
}
