#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JWK } from 'jose';
import { signDocument, verifyAgreement } from './agreements.js';
import { backup, restore } from './backup.js';
import { allAccepted, type EventMode, eventTexts, formatMessage, formatOutcomes, sendMessages, signingKeyFromJwk, signMessages } from './events.js';
import { formatReceived, startReceiver } from './events-receive.js';
import { formatChecks, verifyServedEvents } from './events-verify.js';
import { generateSigningKey, proveChallenge, publicPart } from './keys.js';
import { checkRecord } from './log-check.js';
import { checkRestore } from './log-check-restore.js';
import { DEFAULT_MONITOR_STATE, formatReport, runLogMonitor } from './log-monitor.js';
import { DEFAULT_STATE_FILE, progressBar, readLogState, runLogVerify } from './log-verify.js';
import { exportStandards } from './standards-export.js';
import {
  changeDelivery, createSubscription, deleteSubscription, formatSubscription, formatSubscriptionList, getSubscription, listSubscriptions, type RegistryAccess, rewindSubscription,
  type Subscription,
} from './subscriptions.js';

const program = new Command('plaza').description('Plaza command line: signing keys and registry tooling').showHelpAfterError();

const readJwk = (path: string): JWK => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new InvalidArgumentError(`cannot read a JWK from ${path}: ${(error as Error).message}`);
  }
};

const wholeNumber = (value: string): number => {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
};

const keys = program.command('keys').description('signing keys of your organisation');

keys
  .command('generate')
  .description('create a signing key pair; writes the private JWK (mode 600) and prints the public JWK')
  .addOption(new Option('--alg <alg>', 'EdDSA (Ed25519) or ES256 (P-256)').choices(['EdDSA', 'ES256']).default('EdDSA'))
  .requiredOption('--out <file>', 'where to write the private JWK')
  .action(async (options: { alg: 'EdDSA' | 'ES256'; out: string }) => {
    const jwk = await generateSigningKey(options.alg);
    writeFileSync(options.out, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    process.stdout.write(`${JSON.stringify({ ...publicPart(jwk), kid: jwk.kid, alg: jwk.alg })}\n`);
  });

keys
  .command('public')
  .description('print the public JWK of a private JWK file')
  .requiredOption('--key <file>', 'the private JWK')
  .action((options: { key: string }) => {
    process.stdout.write(`${JSON.stringify(publicPart(readJwk(options.key)))}\n`);
  });

keys
  .command('prove')
  .description("sign a registry challenge (proof of possession); prints the compact JWS to send as `proof`")
  .requiredOption('--key <file>', 'the private JWK')
  .requiredOption('--challenge <text>', 'the challenge the registry issued')
  .action(async (options: { key: string; challenge: string }) => {
    process.stdout.write(`${await proveChallenge(readJwk(options.key), options.challenge)}\n`);
  });

const standards = program.command('standards').description('the public standards catalogue');

standards
  .command('export')
  .description('write the versions a registry published through proposals into a standards/ folder')
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .option('--dir <folder>', 'the standards folder', 'standards')
  .option('--all', 'export every version, not only those published through proposals')
  .action(async (options: { registry: string; dir: string; all?: boolean }) => {
    for (const r of await exportStandards(options.registry, options.dir, options.all ?? false)) {
      process.stdout.write(`${r.outcome === 'written' ? 'wrote    ' : 'unchanged'} ${options.dir}/${r.standard}/${r.version}\n`);
    }
  });

const agreements = program.command('agreements').description('data-sharing agreements');

agreements
  .command('sign')
  .description("sign an agreement document's exact bytes; prints the detached JWS (<protected>..<signature>) to send as `jws`")
  .requiredOption('--key <file>', 'your private JWK (its kid must be a registered key of your organisation)')
  .requiredOption('--document <file>', 'the document bytes, as downloaded from the version\'s documentUrl')
  .action(async (options: { key: string; document: string }) => {
    process.stdout.write(`${await signDocument(readJwk(options.key), readFileSync(options.document))}\n`);
  });

agreements
  .command('verify')
  .description(
    're-verify every signature of an agreement from public data alone (document bytes + key history); exits 1 on any failure. ' +
      'OPERATOR lines flag signatures given, or keys registered, with an API key the registry operator holds or issued',
  )
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .argument('<agreement-id>', 'the agreement')
  .action(async (id: string, options: { registry: string }) => {
    const report = await verifyAgreement(options.registry, id);
    for (const c of report.checks) {
      process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} version ${c.version} signed by ${c.organisation} with ${c.kid}${c.problem ? `: ${c.problem}` : ''}\n`);
      for (const mark of c.operatorMarks) process.stdout.write(`OPERATOR version ${c.version}, ${c.organisation}: ${mark}\n`);
    }
    for (const problem of report.problems) process.stdout.write(`FAIL ${problem}\n`);
    const marked = report.checks.filter((c) => c.operatorMarks.length > 0).length;
    const operatorNote = marked > 0 ? ` (${marked} of them through the registry operator: see the OPERATOR lines)` : '';
    process.stdout.write(report.ok ? `agreement ${report.agreement}: every signature verifies${operatorNote}\n` : `agreement ${report.agreement}: verification failed\n`);
    if (!report.ok) process.exitCode = 1;
  });

const events = program.command('events').description('signed CloudEvents (CloudEvents Verifiability, DSSE): sign, send, and verify what the registry serves');

const modeOption = () =>
  new Option('--mode <mode>', 'structured (one request per event), binary (ce-* headers) or batch (up to 1000 events a request)').choices(['structured', 'binary', 'batch']).default('structured');
const signExtOption = () => new Option('--sign-ext <names>', 'extension attributes to sign too, comma-separated').argParser((value) => value.split(',').map((n) => n.trim()).filter(Boolean));
/** The events of the files, signed as messages of the chosen mode. */
const signFiles = (files: string[], options: { key: string; mode: EventMode; signExt?: string[] }) =>
  signMessages(eventTexts(files.map((name) => ({ name, bytes: readFileSync(name) }))), signingKeyFromJwk(readJwk(options.key)), options.mode, options.signExt);

events
  .command('sign')
  .description('sign events with your private key; prints the signed body (structured, batch) or the headers, a blank line and the body (binary)')
  .requiredOption('--key <file>', 'your private JWK (its kid is the registered key the registry looks up)')
  .addOption(modeOption())
  .addOption(signExtOption())
  .argument('<event.json...>', 'files holding one event (a JSON object) or several (a JSON array)')
  .action((files: string[], options: { key: string; mode: EventMode; signExt?: string[] }) => {
    for (const message of signFiles(files, options)) process.stdout.write(formatMessage(message));
  });

events
  .command('send')
  .description("sign events and POST them to a registry's exchange; prints the answer for each event and exits 1 if any was rejected")
  .argument('<registry>', 'the registry, e.g. http://localhost:3000')
  .argument('<event.json...>', 'files holding one event (a JSON object) or several (a JSON array)')
  .addOption(new Option('--api-key <key>', "an API key of your organisation (better in the environment: it shows in the process list)").env('PLAZA_API_KEY').makeOptionMandatory())
  .requiredOption('--key <file>', 'your private JWK (its kid is the registered key the registry looks up)')
  .addOption(modeOption())
  .addOption(signExtOption())
  .option('--dry-run', 'run every check and store nothing')
  .action(async (registry: string, files: string[], options: { apiKey: string; key: string; mode: EventMode; signExt?: string[]; dryRun?: boolean }) => {
    const outcomes = await sendMessages(registry, options.apiKey, signFiles(files, options), { dryRun: options.dryRun ?? false });
    process.stdout.write(formatOutcomes(outcomes));
    if (!allAccepted(outcomes)) process.exitCode = 1;
  });

events
  .command('verify')
  .description("read a source's events back as a party to its agreement and verify every producer's signature yourself; exits 1 on any failure")
  .argument('<registry>', 'the registry, e.g. http://localhost:3000')
  .requiredOption('--source <source>', 'the CloudEvents source')
  .option('--type <type>', 'only events of this type')
  .option('--signer <organisation>', 'require the signing keys to belong to this organisation (slug), e.g. your source\'s operator')
  .addOption(new Option('--api-key <key>', 'an API key of a party to the agreement').env('PLAZA_API_KEY').makeOptionMandatory())
  .action(async (registry: string, options: { source: string; type?: string; signer?: string; apiKey: string }) => {
    const checks = await verifyServedEvents({ ...options, registry });
    process.stdout.write(formatChecks(checks));
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  });

events
  .command('receive')
  .description(
    "receive a subscription's deliveries: consent in the registry's handshake, refuse (401) any request the registry did not sign " +
      "(or a stale or replayed one), verify each event's producer signature and print one line per event",
  )
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000 (its delivery keys are read from /.well-known/delivery-jwks.json)')
  .requiredOption('--port <n>', 'the port to listen on (0: any free port)', wholeNumber)
  .option('--host <address>', 'the address to listen on', '127.0.0.1')
  .option('--path <path>', 'the path deliveries arrive at (default: the path of --public-url, else /)')
  .option('--public-url <url>', 'the sink URL you registered, as the registry signs it, when it is not http://<host>:<port><path> (a proxy, TLS in front)')
  .option('--expect-origin <host>', "consent only to this registry (its public host, as WebHook-Request-Origin names it)")
  .option('--allowed-rate <n>', 'requests a minute allowed in the handshake, or *', '*')
  .addOption(new Option('--token <token>', "refuse deliveries without this bearer token (the subscription's --token)").env('PLAZA_SINK_TOKEN'))
  .option('--json', 'print each event as a JSON line')
  .action(async (options: { registry: string; port: number; host: string; path?: string; publicUrl?: string; expectOrigin?: string; allowedRate: string; token?: string; json?: boolean }) => {
    const receiver = await startReceiver({
      ...options,
      onEvent: (event) => process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : formatReceived(event)),
      onRefused: (reason) => process.stderr.write(`refused: ${reason}\n`),
    });
    process.stderr.write(`listening on ${receiver.url}; register the sink ${receiver.publicUrl}\n`);
    process.once('SIGINT', () => void receiver.close());
    process.once('SIGTERM', () => void receiver.close());
  });

const subscriptions = program.command('subscriptions').description("webhook subscriptions to sources' events (your organisation's)");

const registryOption = () => new Option('--registry <url>', 'the registry, e.g. http://localhost:3000').makeOptionMandatory();
const apiKeyOption = () => new Option('--api-key <key>', "an API key of your organisation (better in the environment: it shows in the process list)").env('PLAZA_API_KEY').makeOptionMandatory();
const jsonOption = () => new Option('--json', 'print the registry\'s answer as JSON');
const printSubscription = (s: Subscription, json?: boolean) => process.stdout.write(json ? `${JSON.stringify(s, null, 2)}\n` : formatSubscription(s));
const access = (options: { registry: string; apiKey: string }): RegistryAccess => ({ registry: options.registry, apiKey: options.apiKey });
type AccessOptions = { registry: string; apiKey: string; json?: boolean };

subscriptions
  .command('create')
  .description('subscribe a webhook to a source\'s events (or every source you may read); delivery starts once the sink consents in the handshake')
  .addOption(registryOption())
  .addOption(apiKeyOption())
  .requiredOption('--sink <url>', 'the webhook (https; http only for hosts the registry operator allows)')
  .option('--source <source>', 'the CloudEvents source of one source (default: every source you may read, now and later)')
  .option('--type <type>', 'only events of this type (repeat for several)', (value: string, previous: string[] = []) => [...previous, value])
  .option('--filter <json>', 'a CloudEvents Subscriptions filter, e.g. \'{"prefix":{"id":"r-"}}\' (repeat: all must pass)', (value: string, previous: unknown[] = []) => {
    try {
      return [...previous, JSON.parse(value) as unknown];
    } catch {
      throw new InvalidArgumentError('a filter is a JSON object');
    }
  })
  .option('--batching', 'let structured events go out together, as application/cloudevents-batch+json')
  .option('--max-batch-size <n>', 'the most events in one batch (1 to 1000, default 100)', wholeNumber)
  .option('--rate <n>', 'requests a minute to ask of the sink in the handshake (default 600)', wholeNumber)
  .addOption(new Option('--token <token>', 'a bearer token sent with every delivery (stored encrypted, never shown again)').env('PLAZA_SINK_TOKEN'))
  .addOption(jsonOption())
  .action(async (options: AccessOptions & { sink: string; source?: string; type?: string[]; filter?: unknown[]; batching?: boolean; maxBatchSize?: number; rate?: number; token?: string }) => {
    const created = await createSubscription(access(options), {
      sink: options.sink, source: options.source, types: options.type, filters: options.filter, token: options.token, batching: options.batching, maxBatchSize: options.maxBatchSize, rate: options.rate,
    });
    printSubscription(created, options.json);
  });

subscriptions
  .command('list')
  .description("your organisation's subscriptions, with what each has delivered and what is waiting")
  .addOption(registryOption())
  .addOption(apiKeyOption())
  .addOption(jsonOption())
  .action(async (options: AccessOptions) => {
    const items = await listSubscriptions(access(options));
    process.stdout.write(options.json ? `${JSON.stringify(items, null, 2)}\n` : formatSubscriptionList(items));
  });

for (const [name, description, run] of [
  ['get', 'one subscription: its state, last delivered event, what is waiting, attempts and last error', getSubscription],
  ['pause', 'pause delivery; events keep waiting at the subscription\'s position', (a: RegistryAccess, id: string) => changeDelivery(a, id, 'pause')],
  ['resume', 'resume a paused, failing or ended subscription: the handshake runs again, then delivery goes on from its position', (a: RegistryAccess, id: string) => changeDelivery(a, id, 'resume')],
  ['delete', 'delete a subscription: nothing more is delivered, and its token is erased', deleteSubscription],
] as const) {
  subscriptions
    .command(name)
    .description(description)
    .argument('<id>', 'the subscription')
    .addOption(registryOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .action(async (id: string, options: AccessOptions) => {
      printSubscription(await run(access(options), id), options.json);
    });
}

subscriptions
  .command('rewind')
  .description('deliver again from a feed cursor (a subscription\'s delivery cursor, a feed\'s nextCursor) or from a point in time')
  .argument('<id>', 'the subscription')
  .addOption(new Option('--cursor <cursor>', 'deliver what follows this cursor').conflicts('time'))
  .addOption(new Option('--time <rfc3339>', 'deliver again from the first event received at or after this instant, e.g. 2026-01-01T00:00:00Z'))
  .addOption(registryOption())
  .addOption(apiKeyOption())
  .addOption(jsonOption())
  .action(async (id: string, options: AccessOptions & { cursor?: string; time?: string }) => {
    if (options.cursor === undefined && options.time === undefined) throw new InvalidArgumentError('give --cursor or --time');
    const to = options.cursor !== undefined ? { cursor: options.cursor } : { time: options.time! };
    printSubscription(await rewindSubscription(access(options), id, to), options.json);
  });

const log = program.command('log').description("the registry's transparency log");

log
  .command('verify')
  .description('download the signed checkpoint and every entry, recompute the root, and check the log only grew since last time; exits 1 on any failure')
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .option('--state <file>', 'where the last verified checkpoint and the log key are kept', DEFAULT_STATE_FILE)
  .option('--vkey <key>', "the log's verifier key (name+id+key), copied from a channel you trust; default: the key saved in the state file, else the registry's /log/key on first use")
  .action(async (options: { registry: string; state: string; vkey?: string }) => {
    const result = await runLogVerify(options.registry, options.state, { progress: progressBar(process.stderr), vkey: options.vkey });
    const cp = result.checkpoint;
    if (result.ok && cp) {
      const since = result.previous ? `; consistent with size ${result.previous.size} seen ${result.previous.verifiedAt}` : '; first run, nothing to compare with';
      const trust = (options.vkey ?? result.previous?.vkey) ? '' : ` (trusted on first use: compare it with the key the registry's operator published)`;
      for (const rotation of result.rotations ?? []) {
        process.stdout.write(`key  the log key ${rotation.oldKey} rotated to ${rotation.newKey} from size ${rotation.size}, signed by both: now pinned\n`);
      }
      process.stdout.write(`ok   ${cp.origin}: ${cp.size} entries, root ${cp.rootHash}, signed by the log key ${cp.vkey}${trust}${since}
`);
      process.stdout.write(`saved the checkpoint to ${options.state}
`);
    } else {
      if (result.badIndex !== undefined) process.stdout.write(`FAIL first bad index: ${result.badIndex}
`);
      process.stdout.write(`FAIL ${result.problem ?? 'verification failed'}
`);
      process.exitCode = 1;
    }
  });

log
  .command('check')
  .description("check one entry against the log, any entry whose state is disclosed: it is in the signed tree, and the state disclosed for it (the record now, or as it was then) is what it digests; exits 1 if not")
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .requiredOption('--index <n>', "the entry: the journalIndex a record names, or any earlier entry of its history", (value) => {
    if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('an entry index is a whole number');
    return Number(value);
  })
  .option('--api-key <key>', 'for a record only its organisation reads (a member, an API key, a draft); default $PLAZA_API_KEY')
  .option('--vkey <key>', "the log's verifier key (name+id+key); default: the key `plaza log verify` saved in the state file, else the registry's /log/key")
  .option('--state <file>', 'the state file of `plaza log verify`, read for the log key it saved', DEFAULT_STATE_FILE)
  .action(async (options: { registry: string; index: number; apiKey?: string; vkey?: string; state: string }) => {
    const keys = { pinned: options.vkey, saved: readLogState(options.state)?.vkey };
    const result = await checkRecord(options.registry, options.index, { apiKey: options.apiKey ?? process.env.PLAZA_API_KEY, keys });
    const about = result.subject ? ` (${result.subject.type} ${result.subject.id})` : '';
    if (result.ok) {
      process.stdout.write(`ok   entry ${result.index}${about} is in the signed log of ${result.treeSize} entries, and the state disclosed for it matches its digest\n`);
      process.stdout.write(`${JSON.stringify(result.state, null, 2)}\n`);
    } else {
      process.stdout.write(`FAIL entry ${result.index}${about}: ${result.problem}\n`);
      process.exitCode = 1;
    }
  });

log
  .command('monitor')
  .description(
    "follow the log through its tiles from the saved checkpoint: check the signature (pinned key only), consistency, every new entry and the witness quorum; " +
      "with --organisation, print each new entry about its records and flag those not made with its keys. " +
      'Exit 0 ok, 1 could not run, 2 bad signature, 3 fork, 4 missing tile, 5 edited entry, 6 quorum not met; the state moves only on 0',
  )
  .requiredOption('--url <registry>', 'the registry, e.g. https://plaza.example.org')
  .requiredOption('--vkey <key>', "the log's verifier key (name+id+key), copied from a channel you trust")
  .option('--organisation <slug>', "report the new entries about this organisation's records")
  .option('--state <file>', 'where the last verified checkpoint is kept', DEFAULT_MONITOR_STATE)
  .option('--witness <vkey>', 'a witness verifier key whose cosignature counts towards the quorum (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
  .option('--quorum <n>', 'how many of the --witness keys must have cosigned the checkpoint (default: all of them)', wholeNumber)
  .option('--verbose', 'print a summary even when nothing is new')
  .option('--json', 'print one JSON report instead of lines')
  .action(async (options: { url: string; vkey: string; organisation?: string; state: string; witness: string[]; quorum?: number; verbose?: boolean; json?: boolean }) => {
    const progress = process.stderr.isTTY && !options.json ? progressBar(process.stderr) : undefined;
    const report = await runLogMonitor(options.url, options.state, {
      vkey: options.vkey, organisation: options.organisation, witnesses: options.witness, quorum: options.quorum, progress,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const { stdout, stderr } = formatReport(report, { verbose: options.verbose, following: options.organisation !== undefined });
      process.stdout.write(stdout);
      process.stderr.write(stderr);
    }
    process.exitCode = report.exitCode;
  });

log
  .command('check-restore')
  .description(
    'after a restore: verify the whole log (as `log verify` does, from nothing) and that it extends every checkpoint saved before the backup; ' +
      'exits 1 if not (a saved checkpoint larger than the log: the backup is older than what the log published)',
  )
  .requiredOption('--url <registry>', 'the restored registry, e.g. http://127.0.0.1:3000')
  .requiredOption('--vkey <key>', "the log's verifier key (name+id+key), as published before the backup")
  .option('--checkpoint <file>', 'a signed checkpoint saved before the backup, as GET /log/checkpoint served it (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
  .option('--state <file>', 'the state file of `plaza log verify` or `plaza log monitor` from before the backup (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
  .action(async (options: { url: string; vkey: string; checkpoint: string[]; state: string[] }) => {
    if (options.checkpoint.length + options.state.length === 0) throw new InvalidArgumentError('give at least one --checkpoint or --state saved before the backup');
    const result = await checkRestore(options.url, options.vkey, { checkpoints: options.checkpoint, states: options.state }, { progress: process.stderr.isTTY ? progressBar(process.stderr) : undefined });
    const cp = result.log.checkpoint;
    if (result.log.ok && cp) process.stdout.write(`ok   the log verifies: ${cp.origin}, ${cp.size} entries, root ${cp.rootHash}\n`);
    else process.stdout.write(`FAIL the log does not verify: ${result.log.problem ?? 'verification failed'}\n`);
    for (const saved of result.saved) {
      process.stdout.write(saved.ok ? `ok   it extends the checkpoint of ${saved.size} entries in ${saved.file}\n` : `FAIL ${saved.file}: ${saved.problem}\n`);
    }
    if (!result.ok) process.exitCode = 1;
  });

const dataDirOption = () => new Option('--data-dir <folder>', "the registry's data folder (PLAZA_DATA_DIR)").default(process.env.PLAZA_DATA_DIR ?? './.plaza');
const databaseOption = () =>
  new Option('--database-url <url>', 'the PostgreSQL server database (DATABASE_URL); absent: the embedded database in the data folder').default(process.env.DATABASE_URL);

program
  .command('backup')
  .description(
    "back up a registry: its database (pg_dump of the server while it runs, or the embedded database's folder while no registry runs on it) and its data folder's keys, into a new folder; " +
      "leaves out the log's published size, which a restore keeps",
  )
  .argument('<folder>', 'the new folder to write the backup to (it holds private keys: keep it encrypted)')
  .addOption(dataDirOption())
  .addOption(databaseOption())
  .action(async (folder: string, options: { dataDir: string; databaseUrl?: string }) => {
    const manifest = await backup(folder, options);
    process.stdout.write(`backed up the ${manifest.database} database and the data folder ${options.dataDir} to ${folder}\n`);
  });

program
  .command('restore')
  .description(
    "restore a backup over a stopped registry (every instance): the database is replaced, the data folder gets the backup's keys and keeps its log's published size; " +
      'then start the registry and run `plaza log check-restore`',
  )
  .argument('<folder>', 'the backup, as `plaza backup` wrote it')
  .addOption(dataDirOption())
  .addOption(databaseOption())
  .action(async (folder: string, options: { dataDir: string; databaseUrl?: string }) => {
    const manifest = await restore(folder, options);
    process.stdout.write(`restored the ${manifest.database} database and the data folder ${options.dataDir} from the backup of ${manifest.createdAt}\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`plaza: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
