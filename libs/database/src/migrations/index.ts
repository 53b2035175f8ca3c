import { Foundation1732280000000 } from './1732280000000-foundation.js';
import { StandardsAndProposals1795400000000 } from './1795400000000-standards-and-proposals.js';
import { PrivacyRecords1795500000000 } from './1795500000000-privacy-records.js';
import { Agreements1795600000000 } from './1795600000000-agreements.js';
import { TransparencyLog1795700000000 } from './1795700000000-transparency-log.js';
import { RecordDisclosure1795750000000 } from './1795750000000-record-disclosure.js';
import { Exchange1795800000000 } from './1795800000000-exchange.js';
import { AbandonedDrafts1795900000000 } from './1795900000000-abandoned-drafts.js';
import { OrganisationDisplayNames1796400000000 } from './1796400000000-organisation-display-names.js';
import { ActingKeys1796500000000 } from './1796500000000-acting-keys.js';
import { RoleGrants1796600000000 } from './1796600000000-role-grants.js';
import { ExchangeEventPartitions1796700000000 } from './1796700000000-exchange-event-partitions.js';
import { Delivery1796800000000 } from './1796800000000-delivery.js';
import { ReadIndexes1796900000000 } from './1796900000000-read-indexes.js';
import { CheckpointNotes1797000000000 } from './1797000000000-checkpoint-notes.js';
import { WitnessState1797100000000 } from './1797100000000-witness-state.js';
import { LogCosignatures1797200000000 } from './1797200000000-log-cosignatures.js';
import { LogKeyRotations1797300000000 } from './1797300000000-log-key-rotations.js';
import { SourceLicence1797400000000 } from './1797400000000-source-licence.js';
import { JournalByOrganisation1797500000000 } from './1797500000000-journal-by-organisation.js';
import { JournalByTime1797800000000 } from './1797800000000-journal-by-time.js';
import { JournalStates1797900000000 } from './1797900000000-journal-states.js';

/** Every migration, in order. The registry runs the pending ones at start. */
export const MIGRATIONS = [Foundation1732280000000, StandardsAndProposals1795400000000, PrivacyRecords1795500000000, Agreements1795600000000, TransparencyLog1795700000000, RecordDisclosure1795750000000, Exchange1795800000000, AbandonedDrafts1795900000000, OrganisationDisplayNames1796400000000, ActingKeys1796500000000, RoleGrants1796600000000, ExchangeEventPartitions1796700000000, Delivery1796800000000, ReadIndexes1796900000000, CheckpointNotes1797000000000, WitnessState1797100000000, LogCosignatures1797200000000, LogKeyRotations1797300000000, SourceLicence1797400000000, JournalByOrganisation1797500000000, JournalByTime1797800000000, JournalStates1797900000000];
