import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { loadStandardsFolder, type StandardDescriptor, type StandardVersionDescriptor } from '#plaza/standards';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { type Transaction, UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { Standard, VersionExamples } from './standard.entity.js';
import { StandardsImportError } from './standard-error.js';
import { StandardPublisher } from './standard-publisher.js';
import { StandardRepository } from './standard.repository.js';
import { StandardsCatalogue } from './standards-catalogue.js';
import { SYSTEM_ACTOR } from '../kernel/auth/actor.js';

/**
 * Imports the `standards/` folder at start, idempotently: new standards and versions are published,
 * unchanged ones are left alone, and a published version whose file changed stops the start, naming the
 * file and the version (a published version is immutable; a change needs a new version).
 */
@Injectable()
export class StandardsImport implements OnApplicationBootstrap {
  private readonly logger = new Logger('Standards');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(StandardRepository) private readonly standards: StandardRepository,
    @Inject(StandardPublisher) private readonly publisher: StandardPublisher,
    @Inject(StandardsCatalogue) private readonly catalogue: StandardsCatalogue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!existsSync(this.config.standardsDir)) {
      this.logger.warn(`no standards folder at ${this.config.standardsDir}; nothing imported`);
      return;
    }
    const folder = await loadStandardsFolder(this.config.standardsDir);
    for (const descriptor of folder) for (const version of descriptor.versions) this.refuseUnsafe(version);
    const imported = await this.uow.runOnce(SYSTEM_ACTOR, 'plaza.standards-import', async (tx) => {
      for (const descriptor of folder) await this.importStandard(tx, descriptor);
    });
    if (imported) this.logger.log(`imported the standards folder ${this.config.standardsDir}`);
  }

  private async importStandard(tx: Transaction, descriptor: StandardDescriptor): Promise<void> {
    const existing = await this.standards.findStandard(descriptor.id, tx.manager);
    const fields = { title: descriptor.title, description: descriptor.description, licence: descriptor.licence };
    let standard: Standard;
    if (!existing) {
      standard = await this.publisher.createStandard(tx, { id: descriptor.id, ...fields, type: descriptor.type });
    } else {
      if (existing.ceType !== descriptor.type) {
        throw this.conflict(descriptor.file, `the CloudEvents type of ${descriptor.id} is ${existing.ceType} in the registry but ${descriptor.type} in the file; a standard keeps its type`);
      }
      const changed = JSON.stringify([existing.title, existing.description, existing.licence]) !== JSON.stringify([fields.title, fields.description, fields.licence]);
      standard = changed ? await this.publisher.updateStandard(tx, existing, fields) : existing;
    }
    for (const version of descriptor.versions) {
      const published = await this.standards.findVersion(standard.id, version.version, tx.manager);
      if (!published) {
        await this.publisher.publishVersion(tx, { standardId: standard.id, version: version.version, schema: version.schema, examples: examplesOf(version), origin: 'baseline', proposalNumber: null });
      } else if (published.schemaDigest !== version.digest) {
        throw this.conflict(
          version.file,
          `version ${version.version} of ${standard.id} is published and immutable, but this file differs from it (published ${published.schemaDigest}, file ${version.digest}); publish the change as a new version`,
        );
      }
    }
  }

  private refuseUnsafe(version: StandardVersionDescriptor): void {
    const problems = this.catalogue.inspect(version.schema);
    if (problems.length > 0) throw this.conflict(version.file, problems.map((p) => `${p.pointer}: ${p.message}`).join('; '));
  }

  private conflict(file: string, message: string): StandardsImportError {
    return new StandardsImportError(`standards folder: ${relative(process.cwd(), file) || file}: ${message}`);
  }
}

function examplesOf(version: StandardVersionDescriptor): VersionExamples {
  const examples: VersionExamples = { valid: {}, invalid: {} };
  for (const example of version.examples) examples[example.expected][example.name] = example.data;
  return examples;
}
