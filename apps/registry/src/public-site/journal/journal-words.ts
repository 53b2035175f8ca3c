import type { Lang } from '../i18n.js';

/** A record of the journal as the words need it: names already in the reader's language. */
export type Told =
  | { kind: 'organisation'; action: string; name: string }
  | { kind: 'source'; action: string; owner: string; name: string }
  | { kind: 'signing-key'; action: string; owner: string; kid: string }
  | { kind: 'standard'; action: string; title: string }
  | { kind: 'standard-version'; action: string }
  | { kind: 'proposal'; action: string; number: number; title: string }
  | { kind: 'proposal-review'; action: string; owner: string }
  | { kind: 'proposal-vote'; action: string; owner: string }
  | { kind: 'privacy-record'; action: string; owner: string; title: string }
  | { kind: 'agreement-version'; action: string; version: number; city: string; vendors: string[] }
  | { kind: 'state-withholding'; action: string; entry: number };

/** The sentences of the journal in one language: one for each public change, and one for any change that is not. */
export interface JournalWords {
  /** A change whose record, or whose state, is not public: only what kind of thing changed, and whose. */
  privateChange(kind: string, owner: string | null): string;
  publicChange(told: Told): string;
  /** Who made a change: an organisation, the operator (for an organisation, when it acted for one), or the registry itself. */
  by(by: By): string;
  /** Each kind of record, as a filter offers it. */
  kinds: Record<string, string>;
}

/** Who stands behind a change, organisations only (names already in the reader's language). */
export type By = { who: 'registry' } | { who: 'operator'; for: string | null } | { who: 'organisation'; name: string };

const verb = (action: string) => action.slice(action.indexOf('.') + 1);

const EN_NOUNS: Record<string, string> = {
  organisation: 'an organisation', member: 'a member', 'api-key': 'an API key', 'signing-key': 'a signing key', source: 'a source',
  standard: 'a standard', 'standard-version': 'a version of a standard', proposal: 'a standards proposal', 'proposal-review': 'a review of a proposal',
  'proposal-vote': 'a vote on a proposal', 'privacy-record': 'a privacy impact assessment', 'agreement-version': 'a data-sharing agreement',
  subscription: 'a delivery subscription', 'state-withholding': 'a withholding of a recorded state',
};

const FR_NOUNS: Record<string, string> = {
  organisation: 'une organisation', member: 'un membre', 'api-key': 'une clé d’API', 'signing-key': 'une clé de signature', source: 'une source',
  standard: 'une norme', 'standard-version': 'une version de norme', proposal: 'une proposition de norme', 'proposal-review': 'un examen de proposition',
  'proposal-vote': 'un vote sur une proposition', 'privacy-record': 'une évaluation des facteurs relatifs à la vie privée',
  'agreement-version': 'une entente de partage de données', subscription: 'un abonnement de livraison', 'state-withholding': 'un retrait d’un état consigné',
};

const EN_KINDS: Record<string, string> = {
  organisation: 'Organisations', member: 'Members', 'api-key': 'API keys', 'signing-key': 'Signing keys', source: 'Sources', standard: 'Data standards',
  'standard-version': 'Versions of standards', proposal: 'Standards proposals', 'proposal-review': 'Reviews of proposals', 'proposal-vote': 'Votes on proposals',
  'privacy-record': 'Privacy impact assessments', 'agreement-version': 'Data-sharing agreements', subscription: 'Delivery subscriptions',
  'state-withholding': 'Withheld states',
};

const FR_KINDS: Record<string, string> = {
  organisation: 'Organisations', member: 'Membres', 'api-key': 'Clés d’API', 'signing-key': 'Clés de signature', source: 'Sources', standard: 'Normes de données',
  'standard-version': 'Versions de normes', proposal: 'Propositions de normes', 'proposal-review': 'Examens de propositions', 'proposal-vote': 'Votes sur des propositions',
  'privacy-record': 'Évaluations des facteurs relatifs à la vie privée', 'agreement-version': 'Ententes de partage de données', subscription: 'Abonnements de livraison',
  'state-withholding': 'États retirés',
};

const en: JournalWords = {
  privateChange: (kind, owner) => `A change to ${EN_NOUNS[kind] ?? 'a record'} of ${owner ?? 'the registry'}`,
  by: (by) => (by.who === 'registry' ? 'The registry itself' : by.who === 'organisation' ? by.name : by.for ? `The operator, for ${by.for}` : 'The operator'),
  kinds: EN_KINDS,
  publicChange(told) {
    switch (told.kind) {
      case 'organisation':
        return told.action === 'organisation.created' ? `${told.name} joined the registry` : `${told.name} updated its details`;
      case 'source': {
        const source = `the source “${told.name}”`;
        const sentences: Record<string, string> = {
          created: `${told.owner} registered ${source}`, updated: `${told.owner} updated ${source}`, planned: `${told.owner} marked ${source} as planned`,
          active: `${told.owner} put ${source} into service`, suspended: `${told.owner} suspended ${source}`, retired: `${told.owner} retired ${source}`,
          'privacy-flagged': `${told.owner}’s source “${told.name}” was flagged: its privacy impact assessment lapsed`,
          'privacy-flag-cleared': `${told.owner}’s source “${told.name}” is covered again by a privacy impact assessment`,
        };
        return sentences[verb(told.action)] ?? `${told.owner} changed ${source}`;
      }
      case 'signing-key':
        return told.action === 'signing-key.revoked' ? `${told.owner} revoked the signing key “${told.kid}”` : `${told.owner} registered the signing key “${told.kid}”`;
      case 'standard':
        return told.action === 'standard.created' ? `The data standard “${told.title}” was added` : `The data standard “${told.title}” was updated`;
      case 'standard-version':
        return told.action === 'standard-version.deprecated' ? 'A version of a data standard was deprecated' : 'A new version of a data standard was published';
      case 'proposal': {
        const proposal = `proposal ${told.number} “${told.title}”`;
        const sentences: Record<string, string> = {
          opened: `The ${proposal} was opened`, imported: `The ${proposal} was imported`, edited: `The ${proposal} was edited`,
          submitted: `The ${proposal} was submitted for review`, 'voting-opened': `Voting opened on ${proposal}`, withdrawn: `The ${proposal} was withdrawn`,
          accepted: `The ${proposal} was accepted`, rejected: `The ${proposal} was rejected`, 'returned-to-review': `The ${proposal} went back to review`,
        };
        return sentences[verb(told.action)] ?? `The ${proposal} changed`;
      }
      case 'proposal-review':
        return `${told.owner} reviewed a standards proposal`;
      case 'proposal-vote':
        return told.action === 'proposal.vote-changed' ? `${told.owner} changed its vote on a standards proposal` : `${told.owner} voted on a standards proposal`;
      case 'privacy-record':
        return told.action === 'privacy-record.expired'
          ? `${told.owner}’s privacy impact assessment “${told.title}” expired`
          : `${told.owner}’s privacy impact assessment “${told.title}” was approved`;
      case 'agreement-version': {
        const agreement = `Version ${told.version} of the data-sharing agreement between ${told.city} and ${new Intl.ListFormat('en-CA').format(told.vendors)}`;
        const sentences: Record<string, string> = {
          activated: `${agreement} came into force`, suspended: `${agreement} was suspended`, resumed: `${agreement} was resumed`,
          terminated: `${agreement} was terminated`, expired: `${agreement} expired`, superseded: `${agreement} was superseded`,
        };
        return sentences[verb(told.action)] ?? `${agreement} changed`;
      }
      case 'state-withholding':
        return `The operator withheld the state recorded at entry ${told.entry}, typed in error`;
    }
  },
};

const fr: JournalWords = {
  privateChange: (kind, owner) => `Un changement touchant ${FR_NOUNS[kind] ?? 'un dossier'} ${owner ? `de ${owner}` : 'du registre'}`,
  by: (by) => (by.who === 'registry' ? 'Le registre lui-même' : by.who === 'organisation' ? by.name : by.for ? `L’exploitant, pour ${by.for}` : 'L’exploitant'),
  kinds: FR_KINDS,
  publicChange(told) {
    switch (told.kind) {
      case 'organisation':
        return told.action === 'organisation.created' ? `${told.name} a rejoint le registre` : `${told.name} a mis à jour sa fiche`;
      case 'source': {
        const source = `la source « ${told.name} »`;
        const sentences: Record<string, string> = {
          created: `${told.owner} a enregistré ${source}`, updated: `${told.owner} a modifié ${source}`, planned: `${told.owner} a marqué ${source} comme prévue`,
          active: `${told.owner} a mis en service ${source}`, suspended: `${told.owner} a suspendu ${source}`, retired: `${told.owner} a retiré ${source}`,
          'privacy-flagged': `La source « ${told.name} » de ${told.owner} a été signalée : son évaluation des facteurs relatifs à la vie privée est échue`,
          'privacy-flag-cleared': `La source « ${told.name} » de ${told.owner} est de nouveau couverte par une évaluation des facteurs relatifs à la vie privée`,
        };
        return sentences[verb(told.action)] ?? `${told.owner} a changé ${source}`;
      }
      case 'signing-key':
        return told.action === 'signing-key.revoked' ? `${told.owner} a révoqué la clé de signature « ${told.kid} »` : `${told.owner} a enregistré la clé de signature « ${told.kid} »`;
      case 'standard':
        return told.action === 'standard.created' ? `La norme de données « ${told.title} » a été ajoutée` : `La norme de données « ${told.title} » a été mise à jour`;
      case 'standard-version':
        return told.action === 'standard-version.deprecated' ? 'Une version d’une norme de données a été dépréciée' : 'Une nouvelle version d’une norme de données a été publiée';
      case 'proposal': {
        const proposal = `La proposition ${told.number} « ${told.title} »`;
        const sentences: Record<string, string> = {
          opened: `${proposal} a été ouverte`, imported: `${proposal} a été importée`, edited: `${proposal} a été modifiée`,
          submitted: `${proposal} a été soumise à l’examen`, 'voting-opened': `Le vote est ouvert sur la proposition ${told.number} « ${told.title} »`,
          withdrawn: `${proposal} a été retirée`, accepted: `${proposal} a été acceptée`, rejected: `${proposal} a été rejetée`,
          'returned-to-review': `${proposal} est revenue à l’examen`,
        };
        return sentences[verb(told.action)] ?? `${proposal} a changé`;
      }
      case 'proposal-review':
        return `${told.owner} a examiné une proposition de norme`;
      case 'proposal-vote':
        return told.action === 'proposal.vote-changed' ? `${told.owner} a changé son vote sur une proposition de norme` : `${told.owner} a voté sur une proposition de norme`;
      case 'privacy-record':
        return told.action === 'privacy-record.expired'
          ? `L’évaluation des facteurs relatifs à la vie privée « ${told.title} » de ${told.owner} est échue`
          : `L’évaluation des facteurs relatifs à la vie privée « ${told.title} » de ${told.owner} a été approuvée`;
      case 'agreement-version': {
        const agreement = `La version ${told.version} de l’entente de partage de données entre ${told.city} et ${new Intl.ListFormat('fr-CA').format(told.vendors)}`;
        const sentences: Record<string, string> = {
          activated: `${agreement} est entrée en vigueur`, suspended: `${agreement} a été suspendue`, resumed: `${agreement} a repris`,
          terminated: `${agreement} a été résiliée`, expired: `${agreement} est échue`, superseded: `${agreement} a été remplacée`,
        };
        return sentences[verb(told.action)] ?? `${agreement} a changé`;
      }
      case 'state-withholding':
        return `L’exploitant a retiré l’état consigné à l’entrée ${told.entry}, saisi par erreur`;
    }
  },
};

export const JOURNAL_WORDS: Record<Lang, JournalWords> = { en, fr };

/** Every kind the words know, so a test can prove no journaled kind is left out. */
export const KINDS_IN_WORDS = Object.keys(EN_NOUNS);
