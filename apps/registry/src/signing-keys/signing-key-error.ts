import { PlazaError } from '../common/errors/plaza-error.js';

export enum SigningKeyErrorCode {
  NotFound = 'signing_key.not_found',
  InvalidJwk = 'signing_key.invalid_jwk',
  PrivateKeyMaterial = 'signing_key.private_key_material',
  UnsupportedKeyType = 'signing_key.unsupported_key_type',
  AlgorithmMismatch = 'signing_key.algorithm_mismatch',
  AlreadyRegistered = 'signing_key.already_registered',
  ChallengeInvalid = 'signing_key.challenge_invalid',
  ProofInvalid = 'signing_key.proof_invalid',
  InvalidValidity = 'signing_key.invalid_validity',
  AlreadyRevoked = 'signing_key.already_revoked',
  DemoKey = 'signing_key.demo_key',
}

export class SigningKeyError extends PlazaError<SigningKeyErrorCode> {}

/** The registry refuses to start: the operator must remove the stored keys or run the demo. */
export class DemoKeysStoredError extends Error {}
