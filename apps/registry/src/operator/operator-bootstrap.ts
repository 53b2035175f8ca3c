import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { SYSTEM_ACTOR } from '../kernel/auth/actor.js';
import { apiKeyPrefix, generateApiKey, hashApiKey, ApiKeyService } from '../api-keys/index.js';
import { MEMBER_DIRECTORY, type MemberDirectory, MemberService } from '../members/index.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory, OrganisationService } from '../organisations/index.js';

export const OPERATOR_SLUG = 'operator';
export const OPERATOR_KEY_FILE = 'operator-key';

/**
 * At start, makes sure the registry operator exists (its organisation, its member) and holds a working
 * API key: the one from PLAZA_OPERATOR_KEY, or one created on first start and written to a file only
 * its owner can read. The log names the file, never the key.
 */
@Injectable()
export class OperatorBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Operator');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisationRepository: OrganisationDirectory,
    @Inject(OrganisationService) private readonly organisations: OrganisationService,
    @Inject(MemberService) private readonly members: MemberService,
    @Inject(MEMBER_DIRECTORY) private readonly memberRepository: MemberDirectory,
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const organisationId = await this.ensureOrganisation();
    const memberId = await this.ensureMember(organisationId);
    const supplied = this.config.operatorKey;
    const wanted = supplied !== undefined
      ? { key: supplied, prefix: apiKeyPrefix(supplied)!, hash: hashApiKey(supplied), label: 'operator key (PLAZA_OPERATOR_KEY)' }
      : { ...generateApiKey(), label: 'operator key (first start)' };
    const created = await this.keys.issueAtStart(
      { organisationId, memberId, prefix: wanted.prefix, hash: wanted.hash, label: wanted.label },
      supplied !== undefined ? 'stored' : 'member-holds-a-key',
    );
    if (created && supplied === undefined) this.writeKeyFile(wanted.key, wanted.prefix);
  }

  private async ensureOrganisation(): Promise<string> {
    const existing = await this.organisationRepository.findBySlug(OPERATOR_SLUG);
    if (existing) return existing.id;
    const created = await this.organisations.insert(SYSTEM_ACTOR, {
      slug: OPERATOR_SLUG,
      kind: 'operator',
      coalitionMember: false,
      name: { en: 'Registry operator', fr: 'Exploitant du registre' },
      jurisdiction: 'ZZ',
      privacyContact: { name: { en: 'Registry operator', fr: 'Exploitant du registre' }, email: 'operator@plaza.invalid' },
      website: null,
    }).catch(async (error: unknown) => (await this.organisationRepository.findBySlug(OPERATOR_SLUG)) ?? Promise.reject(error));
    return created.id;
  }

  private async ensureMember(organisationId: string): Promise<string> {
    const find = () => this.memberRepository.firstOf(organisationId);
    const existing = await find();
    if (existing) return existing.id;
    const created = await this.members
      .insert(SYSTEM_ACTOR, organisationId, { name: 'Registry operator', email: 'operator@plaza.invalid', roles: ['admin'] })
      .catch(async (error: unknown) => (await find()) ?? Promise.reject(error));
    return created.id;
  }

  private writeKeyFile(key: string, prefix: string): void {
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    const path = join(this.config.dataDir, OPERATOR_KEY_FILE);
    writeFileSync(path, `${key}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    this.logger.log(`created the operator API key ${prefix}; it is in ${path} (readable only by its owner)`);
  }
}
