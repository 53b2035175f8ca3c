/**
 * A small, real tlog-witness on 127.0.0.1 for the suites of Plaza asking witnesses: it keeps the latest size and root it
 * cosigned for one log, checks the log's signature and the consistency proof as the spec says, and cosigns with a real
 * Ed25519 cosignature/v1 (libs/note's cosigner). A test may script the next answers instead (a 409 with or without a
 * size, a 422, a cosignature that does not verify), and may set what the witness believes it holds.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TreeHasher, verifyConsistency } from '#plaza/merkle';
import {
  cosigner, formatAddCheckpointResponse, formatTreeSize, noteVerifierFromKey, openCheckpoint, parseAddCheckpointRequest, signText, TREE_SIZE_CONTENT_TYPE, type AddCheckpointRequest,
} from '#plaza/note';

const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());

export type ScriptedAnswer = { status: number; contentType?: string; body?: string } | 'bad-cosignature';

export interface TestWitness {
  /** The add-checkpoint URL prefix, as PLAZA_LOG_WITNESSES takes it. */
  url: string;
  name: string;
  /** Its cosignature verifier key (type 0x04). */
  vkey: string;
  /** Every request it received, parsed, with what it answered. */
  requests: (AddCheckpointRequest & { status: number })[];
  /** The latest checkpoint it cosigned (size 0 and no root before any). */
  held: { size: number; root: Uint8Array | null };
  /** Answers for the next requests, in order, instead of acting as a witness. */
  script: ScriptedAnswer[];
  close(): Promise<void>;
}

/** A witness of the log whose signed-note verifier key is `logKey` (its origin is the key's name). */
export async function startTestWitness(name: string, logKey: string): Promise<TestWitness> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = cosigner(name, privateKey);
  const log = noteVerifierFromKey(logKey);
  const witness: TestWitness = { url: '', name, vkey: signer.verifierKey, requests: [], held: { size: 0, root: null }, script: [], close: () => new Promise((done) => server.close(() => done())) };

  async function answer(body: string): Promise<{ status: number; contentType?: string; body?: string; request?: AddCheckpointRequest }> {
    let request: AddCheckpointRequest;
    try {
      request = parseAddCheckpointRequest(body);
    } catch {
      return { status: 400 };
    }
    const scripted = witness.script.shift();
    if (scripted !== undefined && scripted !== 'bad-cosignature') return { ...scripted, request };
    let opened;
    try {
      opened = openCheckpoint(request.checkpoint, [log]);
    } catch {
      return { status: 403, request };
    }
    const { size, rootHash } = opened.checkpoint;
    if (opened.checkpoint.origin !== log.name) return { status: 404, request };
    if (request.oldSize > size) return { status: 400, request };
    if (request.oldSize !== witness.held.size) return { status: 409, contentType: TREE_SIZE_CONTENT_TYPE, body: formatTreeSize(witness.held.size), request };
    const oldRoot = witness.held.root ?? (await hasher.empty());
    if (!(await verifyConsistency(hasher, request.oldSize, size, oldRoot, rootHash, request.consistencyProof))) return { status: 422, request };
    witness.held = { size, root: rootHash };
    const cosignature = signText(opened.note.text, signer);
    if (scripted === 'bad-cosignature') cosignature.signature[cosignature.signature.length - 1]! ^= 1;
    return { status: 200, body: formatAddCheckpointResponse([cosignature]), request };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/witness/add-checkpoint') return void res.writeHead(404).end();
      void answer(Buffer.concat(chunks).toString('utf8')).then(({ status, contentType, body, request }) => {
        if (request) witness.requests.push({ ...request, status });
        res.writeHead(status, { 'content-type': contentType ?? 'text/plain; charset=utf-8' }).end(body ?? '');
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  witness.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`;
  return witness;
}
