import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519Signer, formatKeyRotation, noteVerifierFromKey, openKeyRotation, parseNote, signNote } from '#plaza/note';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { MonitorExit } from '../apps/cli/src/log-monitor.js';
import { type FetchLike, readLogState, runLogVerify } from '../apps/cli/src/log-verify.js';
import { plaza } from './support/cli-process.js';
import { organisationBody } from './support/fixtures.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import { createDatabase, uniqueSlug } from './support/test-app.js';

const newJwk = () => JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));
const ORIGIN = 'rotation.plaza.test/log';
const vkeyOf = (jwk: string) => ed25519Signer(ORIGIN, createPrivateKey({ key: JSON.parse(jwk), format: 'jwk' })).verifierKey;
const signerOf = (jwk: string) => ed25519Signer(ORIGIN, createPrivateKey({ key: JSON.parse(jwk), format: 'jwk' }));

interface ListedKeys {
  origin: string;
  current: string;
  keys: { vkey: string; fromSize?: number; rotation?: string }[];
}

/**
 * The built registry, restarted on one data folder (and, with DATABASE_URL, one server database of its own) under the
 * log keys each step gives: no instance signs on a write (PLAZA_CHECKPOINT_INTERVAL_MS=0), only when asked.
 */
class RestartedRegistry {
  private running: RegistryProcess | undefined;
  private dataDir = '';
  private database: Awaited<ReturnType<typeof createDatabase>> | undefined;

  constructor(
    private readonly operatorKey: string,
    private readonly fixed: Record<string, string> = {},
  ) {}

  get current(): RegistryProcess {
    return this.running!;
  }

  async open(prefix: string): Promise<void> {
    this.dataDir = mkdtempSync(join(tmpdir(), prefix));
    if (process.env.DATABASE_URL) this.database = await createDatabase(process.env.DATABASE_URL);
  }

  async start(env: Record<string, string>): Promise<RegistryProcess> {
    await this.running?.stop();
    this.running = await startRegistry({
      PLAZA_DATA_DIR: this.dataDir,
      ...(this.database ? { DATABASE_URL: this.database.url } : {}),
      PLAZA_OPERATOR_KEY: this.operatorKey,
      PLAZA_LOG_ORIGIN: ORIGIN,
      PLAZA_LOG_LEVEL: 'info',
      PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
      PLAZA_CHECKPOINT_INTERVAL_MS: '0',
      ...this.fixed,
      ...env,
    });
    return this.running;
  }

  /** One more journal entry: a city registered by the operator. */
  async grow(): Promise<void> {
    const res = await fetch(`${this.current.url}/api/v1/organisations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(organisationBody(uniqueSlug('rotation'), 'city')),
    });
    expect(res.status).toBe(201);
  }

  async close(): Promise<void> {
    await this.running?.stop();
    await this.database?.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Rotating the log key, with the built registry restarted on one database (embedded in its data folder, or a server
 * database of the suite's own) and the built `plaza` command: the old key's statement carries a verifier pinned to it
 * to the new key; a new key without one is an alarm; and no other key the registry holds (delivery, witness) can take
 * the log key's place.
 */
describe('log key rotation', () => {
  const [keyA, keyB, keyC] = [newJwk(), newJwk(), newJwk()];
  const [deliveryKey, witnessKey] = [newJwk(), newJwk()];
  const scene = new RestartedRegistry(generateApiKey().key, { PLAZA_DELIVERY_SIGNING_KEY: deliveryKey, PLAZA_WITNESS_SIGNING_KEY: witnessKey });
  let work: string;
  const start = (env: Record<string, string>) => scene.start(env);
  const grow = () => scene.grow();
  const listed = async () => (await (await fetch(`${scene.current.url}/log/keys`)).json()) as ListedKeys;
  const verify = (state: string, ...args: string[]) => plaza(['log', 'verify', '--registry', scene.current.url, '--state', join(work, state), ...args]);
  const monitor = (state: string, vkey: string) => plaza(['log', 'monitor', '--url', scene.current.url, '--vkey', vkey, '--state', join(work, state)]);

  beforeAll(async () => {
    await scene.open('plaza-rotation-');
    work = mkdtempSync(join(tmpdir(), 'plaza-rotation-cli-'));
  });
  afterAll(async () => {
    await scene.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('a verifier pinned to the old key follows a rotation the old key signed, and pins the new key', async () => {
    await start({ PLAZA_LOG_SIGNING_KEY: keyA });
    await grow();
    const first = await verify('a.json');
    expect(first.code).toBe(0);
    expect(readLogState(join(work, 'a.json'))!.vkey).toBe(vkeyOf(keyA));
    // A monitor's state pinned to the old key, whose operator will pin the new key once it is announced.
    copyFileSync(join(work, 'a.json'), join(work, 'repinned.json'));
    expect(await listed()).toEqual({ origin: ORIGIN, current: vkeyOf(keyA), keys: [{ vkey: vkeyOf(keyA) }] });

    await start({ PLAZA_LOG_SIGNING_KEY: keyB, PLAZA_LOG_PREVIOUS_KEYS: JSON.stringify([JSON.parse(keyA)]) });
    expect((await (await fetch(`${scene.current.url}/log/key`)).text()).trim()).toBe(vkeyOf(keyB));
    const keys = await listed();
    expect(keys.current).toBe(vkeyOf(keyB));
    expect(keys.keys.map((k) => k.vkey)).toEqual([vkeyOf(keyA), vkeyOf(keyB)]);
    const rotation = openKeyRotation(keys.keys[1]!.rotation!);
    expect(rotation).toEqual({ origin: ORIGIN, oldKey: vkeyOf(keyA), newKey: vkeyOf(keyB), size: keys.keys[1]!.fromSize });
    expect(scene.current.log()).toContain(`the log key ${vkeyOf(keyA)} named its successor ${vkeyOf(keyB)}`);
    // The latest checkpoint, signed again by the new key (the old key's line stays): no new size was needed.
    const note = parseNote(await (await fetch(`${scene.current.url}/log/checkpoint`)).text());
    expect(note.signatures.map((s) => s.keyId)).toEqual([noteVerifierFromKey(vkeyOf(keyA)).keyId, noteVerifierFromKey(vkeyOf(keyB)).keyId]);

    const followed = await verify('a.json');
    expect(followed.stdout).toContain(`the log key ${vkeyOf(keyA)} rotated to ${vkeyOf(keyB)}`);
    expect(followed.code).toBe(0);
    expect(readLogState(join(work, 'a.json'))!.vkey).toBe(vkeyOf(keyB));
    // A verifier that pinned the old key out of band follows it too, and the grown log is signed by the new key alone.
    await grow();
    const pinned = await verify('pinned.json', '--vkey', vkeyOf(keyA));
    expect(pinned.code).toBe(0);
    expect(readLogState(join(work, 'pinned.json'))!.vkey).toBe(vkeyOf(keyB));
    expect((await verify('a.json')).code).toBe(0);
    // Re-pinned to the new key while the state still names the old one: the old key's statement leads to it.
    const repinned = await monitor('repinned.json', vkeyOf(keyB));
    expect(repinned).toMatchObject({ code: MonitorExit.ok, stderr: '' });
    expect(readLogState(join(work, 'repinned.json'))!.vkey).toBe(vkeyOf(keyB));

    // The statement is made once: a restart with the same keys adds none.
    await start({ PLAZA_LOG_SIGNING_KEY: keyB, PLAZA_LOG_PREVIOUS_KEYS: JSON.stringify([JSON.parse(keyA)]) });
    expect((await listed()).keys).toEqual(keys.keys);
    expect((await verify('a.json')).code).toBe(0);
  });

  it("no other key the registry holds can take the log key's place", async () => {
    const base = scene.current.url;
    const publicFetch: FetchLike = (url, init) => fetch(url, init);
    const forging = (path: string, body: () => string): FetchLike => (url, init) =>
      new URL(url).pathname === path ? Promise.resolve(new Response(body(), { status: 200 })) : publicFetch(url, init);
    const keys = await listed();
    for (const other of [deliveryKey, witnessKey]) {
      const impostor = signerOf(other);
      const { size, rootHash } = readLogState(join(work, 'a.json'))!;
      const checkpoint = signNote(`${ORIGIN}\n${size}\n${rootHash}\n`, impostor);
      // A checkpoint signed by it, whatever key the registry names.
      for (const state of ['a.json', 'pinned.json']) {
        const result = await runLogVerify(base, join(work, state), { fetch: forging('/log/checkpoint', () => checkpoint) });
        expect(result).toMatchObject({ ok: false });
        expect(result.problem).toMatch(/not signed by the log key .*a different key is an alarm/);
      }
      // A rotation to it that only it signed: the log key never vouched for it.
      const forged = signNote(formatKeyRotation({ origin: ORIGIN, oldKey: vkeyOf(keyB), newKey: impostor.verifierKey, size }), [impostor, impostor]);
      const withForgery = JSON.stringify({ ...keys, current: impostor.verifierKey, keys: [...keys.keys, { vkey: impostor.verifierKey, fromSize: size, rotation: forged }] });
      const both: FetchLike = (url, init) =>
        new URL(url).pathname === '/log/keys' ? Promise.resolve(new Response(withForgery, { status: 200 })) : forging('/log/checkpoint', () => checkpoint)(url, init);
      const result = await runLogVerify(base, join(work, 'a.json'), { fetch: both });
      expect(result.ok).toBe(false);
      expect(result.problem).toMatch(/key rotations from the trusted key .* do not hold .*an alarm/);
    }
    // The state files still pin the log's key.
    expect(readLogState(join(work, 'a.json'))!.vkey).toBe(vkeyOf(keyB));
  });

  it('a new key without a statement from the old one is an alarm, and the registry says so when it starts', async () => {
    await start({ PLAZA_LOG_SIGNING_KEY: keyC });
    expect(scene.current.log()).toContain(`the log key changed to ${vkeyOf(keyC)} with no rotation statement`);
    const keys = await listed();
    expect(keys.keys).toEqual([expect.objectContaining({ vkey: vkeyOf(keyA) }), expect.objectContaining({ vkey: vkeyOf(keyB) }), { vkey: vkeyOf(keyC) }]);
    await grow();
    const alarm = await verify('a.json');
    expect(alarm.code).not.toBe(0);
    expect(alarm.stdout).toMatch(/FAIL the checkpoint is not signed by the log key .*a different key is an alarm/);
    expect(readLogState(join(work, 'a.json'))!.vkey).toBe(vkeyOf(keyB));
    const pinnedA = await verify('fresh.json', '--vkey', vkeyOf(keyA));
    expect(pinnedA.code).not.toBe(0);
    const check = await plaza(['log', 'check', '--registry', scene.current.url, '--index', '0', '--state', join(work, 'pinned.json')]);
    expect(check.code).not.toBe(0);
    expect(check.stdout).toMatch(/not signed by the log key/);
    // Pinning the unvouched key over a state of the old one is an alarm too, which says how to start afresh on it.
    const repinned = await monitor('repinned.json', vkeyOf(keyC));
    expect(repinned.code).toBe(MonitorExit.signature);
    expect(repinned.stderr).toContain(`the state was verified with the log key ${vkeyOf(keyB)}, and no rotation statement leads from it to the pinned ${vkeyOf(keyC)}`);
    expect(repinned.stderr).toContain('move the state file aside and run again with --vkey set to it');
    expect(readLogState(join(work, 'repinned.json'))!.vkey).toBe(vkeyOf(keyB));
    expect((await monitor('afresh.json', vkeyOf(keyC))).code).toBe(MonitorExit.ok);
  });
});

/**
 * The rotation statement names the size of the latest checkpoint the old key signed, not the journal's size: entries
 * journaled after that checkpoint are in no checkpoint yet, and a verifier refuses a checkpoint of the new key below the
 * size its statement names. A second registry, rotated to the new key, starts on the database of the first after the
 * log grew past its latest checkpoint (no instance signs on a write: PLAZA_CHECKPOINT_INTERVAL_MS is 0 and nobody asked).
 */
describe("the rotation statement's size", () => {
  const [keyA, keyB] = [newJwk(), newJwk()];
  const scene = new RestartedRegistry(generateApiKey().key);
  const start = (env: Record<string, string>) => scene.start(env);
  const grow = () => scene.grow();
  const treeSize = async () => ((await (await fetch(`${scene.current.url}/api/v1/log/root`)).json()) as { treeSize: number }).treeSize;

  beforeAll(() => scene.open('plaza-rotation-size-'));
  afterAll(() => scene.close());

  it('is the size of the latest checkpoint signed by the old key, even when the journal has grown past it', async () => {
    await start({ PLAZA_LOG_SIGNING_KEY: keyA });
    await grow();
    const signed = parseNote(await (await fetch(`${scene.current.url}/log/checkpoint`)).text());
    const signedSize = Number(signed.text.split('\n')[1]);
    await grow();
    await grow();
    const journaled = await treeSize();
    expect(journaled).toBeGreaterThan(signedSize);

    await start({ PLAZA_LOG_SIGNING_KEY: keyB, PLAZA_LOG_PREVIOUS_KEYS: JSON.stringify([JSON.parse(keyA)]) });
    // The rotated registry read the log before anyone asked it for a checkpoint: the journal is still ahead.
    expect(await treeSize()).toBe(journaled);
    const { keys } = (await (await fetch(`${scene.current.url}/log/keys`)).json()) as ListedKeys;
    expect(keys.map((k) => k.vkey)).toEqual([vkeyOf(keyA), vkeyOf(keyB)]);
    expect(openKeyRotation(keys[1]!.rotation!)).toEqual({ origin: ORIGIN, oldKey: vkeyOf(keyA), newKey: vkeyOf(keyB), size: signedSize });
    expect(keys[1]!.fromSize).toBe(signedSize);
    expect(scene.current.log()).toContain(`the log key ${vkeyOf(keyA)} named its successor ${vkeyOf(keyB)}, from size ${signedSize}`);
  });
});
