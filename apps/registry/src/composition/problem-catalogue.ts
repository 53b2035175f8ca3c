import { AGREEMENT_PROBLEMS } from '../agreements/agreement-error.js';
import { API_KEY_PROBLEMS } from '../api-keys/api-key-error.js';
import { CATALOGUE_PROBLEMS } from '../catalogue/catalogue-error.js';
import { FEED_PROBLEMS } from '../feeds/feeds-error.js';
import { EXCHANGE_PROBLEMS } from '../exchange/exchange-error.js';
import { EXPORTS_PROBLEMS } from '../exports/exports-error.js';
import { AUTH_PROBLEMS } from '../kernel/errors/auth-error.js';
import { ProblemCatalogue } from '../kernel/errors/problem-table.js';
import { REQUEST_PROBLEMS, SERVICE_PROBLEMS } from '../kernel/errors/request-error.js';
import { MEMBER_PROBLEMS } from '../members/member-error.js';
import { ORGANISATION_PROBLEMS } from '../organisations/organisation-error.js';
import { PRIVACY_RECORD_PROBLEMS } from '../privacy-records/privacy-record-error.js';
import { PROPOSAL_PROBLEMS } from '../proposals/proposal-error.js';
import { SIGNING_KEY_PROBLEMS } from '../signing-keys/signing-key-error.js';
import { SOURCE_PROBLEMS } from '../sources/source-error.js';
import { STANDARD_PROBLEMS } from '../standards/standard-error.js';
import { TRANSPARENCY_PROBLEMS } from '../transparency/transparency-error.js';
import { TILE_PROBLEMS } from '../transparency/tiles/tile-error.js';
import { WITNESS_PROBLEMS } from '../witness/witness-error.js';

/** Every problem Plaza can answer with: the kernel's tables, then one table per feature. */
export const PROBLEMS = new ProblemCatalogue([
  REQUEST_PROBLEMS,
  SERVICE_PROBLEMS,
  AUTH_PROBLEMS,
  ORGANISATION_PROBLEMS,
  MEMBER_PROBLEMS,
  API_KEY_PROBLEMS,
  SIGNING_KEY_PROBLEMS,
  SOURCE_PROBLEMS,
  STANDARD_PROBLEMS,
  PROPOSAL_PROBLEMS,
  PRIVACY_RECORD_PROBLEMS,
  AGREEMENT_PROBLEMS,
  TRANSPARENCY_PROBLEMS,
  TILE_PROBLEMS,
  WITNESS_PROBLEMS,
  EXCHANGE_PROBLEMS,
  CATALOGUE_PROBLEMS,
  FEED_PROBLEMS,
  EXPORTS_PROBLEMS,
]);
