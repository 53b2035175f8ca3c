import { readableWith, type JournaledKind } from '../../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../../platform/journal/unit-of-work.js';
import { Action } from '../../kernel/auth/permissions.js';
import { RegistryReadModel } from '../registry-read-model.js';
import type { Subscription } from './subscription.entity.js';
import { SubscriptionResponse } from './subscription.dto.js';
import { SubscriptionRepository } from './subscription.repository.js';

/** The subscription as journaled and disclosed: what was asked for and its state; never the credential, never delivery progress. */
const subscriptionState = (s: Subscription, ceSource: string | null, hasCredential: boolean) => journalState(SubscriptionResponse.from(s, ceSource, hasCredential));

/** Journals a change to a subscription. */
export function recordSubscription(tx: Transaction, action: string, s: Subscription, ceSource: string | null, hasCredential: boolean): void {
  tx.record({ action, kind: subscriptionKind, subjectId: s.id, organisationId: s.organisationId, state: subscriptionState(s, ceSource, hasCredential), isPublic: false, record: s });
}

export const subscriptionKind: JournaledKind = {
  subjectType: 'subscription',
  async disclose(manager, index) {
    const s = await SubscriptionRepository.atJournalIndex(manager, index);
    if (!s) return null;
    const ceSource = s.sourceId === null ? null : await RegistryReadModel.ceSourceOf(manager, s.sourceId);
    const hasCredential = await SubscriptionRepository.hasCredential(manager, s.id);
    return { state: subscriptionState(s, ceSource, hasCredential), visibleTo: readableWith(s.organisationId, Action.SubscriptionRead) };
  },
};
