/**
 * The server side of the end-to-end tests: `startOmadmServer` on 127.0.0.1 (a free port)
 * over a fresh database of the backend given, every ServiceEvent kept, and devices added
 * with the credentials a ScriptedDevice is built with.
 */
import { startOmadmServer, type OmadmServer, type OmadmServerOptions } from '../../../src/server/app.js';
import { Secret, type Store } from '../../../src/server/store/index.js';
import type { ServiceEvent } from '../../../src/server/service/events.js';
import { createSweeper, type SweepReport } from '../../../src/server/sweeper.js';
import type { Backend, TestDatabase } from '../databases.js';
import { ScriptedDevice, type DeviceOptions, type SchemeName } from './scripted-device.js';

export const SERVER_ID = 'omadm.test';

export interface Harness {
  readonly server: OmadmServer;
  readonly store: Store;
  readonly database: TestDatabase;
  readonly events: ServiceEvent[];
  /** A device known to the server, and the ScriptedDevice that plays it. */
  device(id: string, options?: Partial<DeviceOptions> & { readonly auth?: SchemeName; readonly serverAuth?: SchemeName }): Promise<ScriptedDevice>;
  eventsOf(type: ServiceEvent['type']): ServiceEvent[];
  /** One sweep (sweeper.ts) at the server's clock, its session-ended events kept with the others. */
  sweep(): Promise<SweepReport>;
  close(): Promise<void>;
}

export async function startHarness(backend: Backend, options: Partial<OmadmServerOptions> = {}): Promise<Harness> {
  const database = await backend.fresh();
  const store = await database.open();
  const events: ServiceEvent[] = [];
  const observers = [(e: ServiceEvent) => events.push(e), ...(options.observers ?? [])];
  const server = await startOmadmServer({ store, ...options, observers });
  const sweeper = createSweeper({ store, clock: options.now ?? Date.now, serviceObservers: observers });
  return {
    server,
    store,
    database,
    events,
    async device(id, o = {}) {
      const auth = o.auth ?? 'none';
      const serverAuth = o.serverAuth ?? 'none';
      const client = auth === 'none' ? undefined : { scheme: auth, name: `${id.replace(/[^A-Za-z0-9]/g, '')}-user`, secret: `secret-of-${id}` };
      const serverCreds = serverAuth === 'none' ? undefined : { scheme: serverAuth, name: SERVER_ID, secret: `server-secret-for-${id}` };
      await store.addDevice(
        {
          id,
          serverId: SERVER_ID,
          client: client ? { scheme: client.scheme, name: client.name, secret: new Secret(client.secret) } : { scheme: 'none' },
          server: serverCreds ? { scheme: serverCreds.scheme, name: serverCreds.name, secret: new Secret(serverCreds.secret) } : { scheme: 'none' },
        },
        Date.now(),
      );
      return new ScriptedDevice({ url: server.url, id, serverId: SERVER_ID, encoding: 'xml', ...o, ...(client ? { client } : {}), ...(serverCreds ? { server: serverCreds } : {}) });
    },
    eventsOf(type) {
      return events.filter((e) => e.type === type);
    },
    sweep() {
      return sweeper.sweep();
    },
    async close() {
      await server.close();
      await database.dispose();
    },
  };
}
