import { Inject, Injectable } from '@nestjs/common';
import type { Page } from '../kernel/paging/paging.js';
import type { JournalSubjects } from '../platform/journal/journaled-kind.js';
import { StandardError, StandardErrorCode } from './standard-error.js';
import type { Standard, StandardVersion } from './standard.entity.js';
import { standardKind, standardVersionKind } from './standard-record.js';
import { StandardRepository } from './standard.repository.js';
import {
  type ListStandardsQuery, type StandardDetailResponse, StandardResponse, type StandardVersionDetailResponse, StandardVersionResponse,
} from './standard.dto.js';

/** The public catalogue: standards, their versions and each schema at its canonical path. */
@Injectable()
export class StandardService {
  constructor(@Inject(StandardRepository) private readonly standards: StandardRepository) {}

  async list(query: ListStandardsQuery): Promise<Page<StandardResponse>> {
    const { rows, nextCursor } = await this.standards.list(query.q, query);
    return { items: rows.map(StandardResponse.from), nextCursor };
  }

  /** How many standards the public list holds, unfiltered. */
  count(): Promise<number> {
    return this.standards.count(undefined);
  }

  async get(id: string): Promise<StandardDetailResponse> {
    return (await this.withHistory(id)).record;
  }

  /** The standard as `get` answers it, with the journal's records whose changes make up its public history: the standard and each of its versions. */
  async withHistory(id: string): Promise<{ record: StandardDetailResponse; subjects: JournalSubjects[] }> {
    const standard = await this.standard(id);
    const versions = await this.standards.versionsOf(id);
    return {
      record: { ...StandardResponse.from(standard), versions: versions.map(StandardVersionResponse.from) },
      subjects: [{ subjectType: standardKind.subjectType, subjectIds: [id] }, { subjectType: standardVersionKind.subjectType, subjectIds: versions.map((v) => v.id) }],
    };
  }

  async getVersion(id: string, version: string): Promise<StandardVersionDetailResponse> {
    const found = await this.version(id, version);
    const examples = Object.fromEntries([
      ...Object.entries(found.examples.valid).map(([name, data]) => [`valid-${name}.json`, data]),
      ...Object.entries(found.examples.invalid).map(([name, data]) => [`invalid-${name}.json`, data]),
    ]);
    return { ...StandardVersionResponse.from(found), schema: found.schema, examples };
  }

  /** The schema served at its canonical path, with its digest as a strong ETag. */
  async schema(id: string, version: string): Promise<{ schema: Record<string, unknown>; etag: string }> {
    const found = await this.version(id, version);
    return { schema: found.schema, etag: `"${found.schemaDigest}"` };
  }

  private async standard(id: string): Promise<Standard> {
    const standard = await this.standards.findStandard(id);
    if (!standard) throw new StandardError(StandardErrorCode.NotFound, `There is no standard "${id}".`);
    return standard;
  }

  private async version(id: string, version: string): Promise<StandardVersion> {
    const found = await this.standards.findVersion(id, version);
    if (!found) throw new StandardError(StandardErrorCode.VersionNotFound, `There is no published version ${version} of "${id}".`);
    return found;
  }
}
