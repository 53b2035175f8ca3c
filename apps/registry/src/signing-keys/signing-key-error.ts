import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

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

/** Every SigningKeyErrorCode with its HTTP status and stable title. */
export const SIGNING_KEY_PROBLEMS: ProblemTable<SigningKeyErrorCode> = {
  [SigningKeyErrorCode.NotFound]: { status: 404, title: 'No such signing key' },
  [SigningKeyErrorCode.InvalidJwk]: { status: 400, title: 'The JWK is not a valid public key' },
  [SigningKeyErrorCode.PrivateKeyMaterial]: { status: 400, title: 'The JWK contains private key material' },
  [SigningKeyErrorCode.UnsupportedKeyType]: { status: 400, title: 'Only Ed25519 and P-256 keys are accepted' },
  [SigningKeyErrorCode.AlgorithmMismatch]: { status: 400, title: "The JWK's alg does not match its key type" },
  [SigningKeyErrorCode.AlreadyRegistered]: { status: 409, title: 'A key with this thumbprint is already registered' },
  [SigningKeyErrorCode.ChallengeInvalid]: { status: 400, title: 'The challenge is unknown, expired or already used' },
  [SigningKeyErrorCode.ProofInvalid]: { status: 400, title: 'The proof of possession does not verify' },
  [SigningKeyErrorCode.InvalidValidity]: { status: 400, title: 'The validity window is not valid' },
  [SigningKeyErrorCode.AlreadyRevoked]: { status: 409, title: 'The signing key is already revoked' },
  [SigningKeyErrorCode.DemoKey]: { status: 403, title: 'Demo signing keys are refused outside the demo' },
};
