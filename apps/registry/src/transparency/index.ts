// The transparency feature's port: what other features may use. Everything else in this folder is internal.
export { TransparencyModule } from './transparency.module.js';
export { TransparencyService, parseCheckpoint } from './transparency.service.js';
export { CheckpointResponse, InclusionProofResponse } from './transparency.dto.js';
export { HISTORY_PAGE, JOURNAL_CHANGES, type HistoryChange, type JournalChange, type JournalChangeFilter, type JournalChanges } from './journal-changes.repository.js';
