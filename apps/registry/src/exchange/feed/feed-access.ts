import { Inject, Injectable } from '@nestjs/common';
import { RegistryReadModel, type SourceIdentity } from '../registry-read-model.js';
import { AgreementLifecycle, type EventType } from '../../agreements/index.js';

/**
 * Which of a source's events an organisation may read at an instant: null for all of them (the source's owner),
 * otherwise the event types (standard and major) of the agreement versions in force then that cover the source and
 * name the organisation among their vendors; an empty list for none. The one rule behind the HTTP feed, subscriptions
 * and delivery.
 */
export type Coverage = EventType[] | null;

export const covers = (coverage: Coverage, event: { standard: string; major: number }): boolean =>
  coverage === null || coverage.some((c) => c.standard === event.standard && c.major === event.major);

@Injectable()
export class FeedAccess {
  constructor(
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
  ) {}

  async coverage(organisationId: string, source: Pick<SourceIdentity, 'id' | 'ownerId'>, at: Date): Promise<Coverage> {
    if (source.ownerId === organisationId) return null;
    const inForce = await this.lifecycle.inForceForSource(source.id, at);
    return inForce.filter((v) => v.vendorIds.includes(organisationId)).flatMap((v) => v.eventTypes);
  }

  /** The sources an organisation may read some events of now: its own, and those an agreement in force shares with it. */
  async readableSources(organisationId: string, at: Date): Promise<{ source: SourceIdentity; coverage: Coverage }[]> {
    const readable: { source: SourceIdentity; coverage: Coverage }[] = [];
    for (const source of await this.registry.sourcesNamingOrganisation(organisationId)) {
      const coverage = await this.coverage(organisationId, source, at);
      if (coverage === null || coverage.length > 0) readable.push({ source, coverage });
    }
    return readable;
  }
}
