#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JWK } from 'jose';
import { signDocument, verifyAgreement } from './agreements.js';
import { allAccepted, type EventMode, eventTexts, formatMessage, formatOutcomes, sendMessages, signingKeyFromJwk, signMessages } from './events.js';
import { formatChecks, verifyServedEvents } from './events-verify.js';
import { generateSigningKey, proveChallenge, publicPart } from './keys.js';
import { checkRecord } from './log-check.js';
import { DEFAULT_STATE_FILE, progressBar, runLogVerify } from './log-verify.js';
import { exportStandards } from './standards-export.js';

const program = new Command('plaza').description('Plaza command line: signing keys and registry tooling').showHelpAfterError();

const readJwk = (path: string): JWK => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new InvalidArgumentError(`cannot read a JWK from ${path}: ${(error as Error).message}`);
  }
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
    const checks = await verifyServedEvents(registry, options.source, options);
    process.stdout.write(formatChecks(checks));
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  });

const log = program.command('log').description("the registry's transparency log");

log
  .command('verify')
  .description('download the signed checkpoint and every entry, recompute the root, and check the log only grew since last time; exits 1 on any failure')
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .option('--state <file>', 'where the last verified checkpoint is kept', DEFAULT_STATE_FILE)
  .action(async (options: { registry: string; state: string }) => {
    const result = await runLogVerify(options.registry, options.state, { progress: progressBar(process.stderr) });
    const cp = result.checkpoint;
    if (result.ok && cp) {
      const since = result.previous ? `; consistent with size ${result.previous.size} seen ${result.previous.verifiedAt}` : '; first run, nothing to compare with';
      process.stdout.write(`ok   ${cp.origin}: ${cp.size} entries, root ${cp.rootHash}, signature valid${since}
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
  .description("check one record against the log: its entry is in the signed tree, and the record as served now is what that entry digests; exits 1 if not")
  .requiredOption('--registry <url>', 'the registry, e.g. http://localhost:3000')
  .requiredOption('--index <n>', 'the journalIndex the record names', (value) => {
    if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('an entry index is a whole number');
    return Number(value);
  })
  .option('--api-key <key>', 'for a record only its organisation reads (a member, an API key, a draft); default $PLAZA_API_KEY')
  .action(async (options: { registry: string; index: number; apiKey?: string }) => {
    const result = await checkRecord(options.registry, options.index, { apiKey: options.apiKey ?? process.env.PLAZA_API_KEY });
    const about = result.subject ? ` (${result.subject.type} ${result.subject.id})` : '';
    if (result.ok) {
      process.stdout.write(`ok   entry ${result.index}${about} is in the signed log of ${result.treeSize} entries, and the record as served matches its digest\n`);
      process.stdout.write(`${JSON.stringify(result.state, null, 2)}\n`);
    } else {
      process.stdout.write(`FAIL entry ${result.index}${about}: ${result.problem}\n`);
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`plaza: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
