#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JWK } from 'jose';
import { generateSigningKey, proveChallenge, publicPart } from './keys.js';
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

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`plaza: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
