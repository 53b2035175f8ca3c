import type { KeyObject, JsonWebKey } from 'node:crypto';

/** A context attribute value as it appears in JSON (binary-mode headers are always strings). */
export type AttributeValue = string | number | boolean;

/** A CloudEvent as this library signs and verifies it: its attributes and the exact bytes of its data. */
export interface CloudEventInput {
  /** All context attributes (core and extensions); `dssematerial` is read from here when verifying. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The exact data bytes (a string is taken as its UTF-8 bytes); absent means no data. */
  readonly data?: Uint8Array | string;
}

/** CloudEvents types, for the canonical serialisation of signed extension attributes. */
export type ExtensionType = 'boolean' | 'integer' | 'string' | 'binary' | 'uri' | 'uri-reference' | 'timestamp';

/** A key: a node:crypto KeyObject, a JWK, or a PEM text. Ed25519 or ECDSA P-256 only. */
export type KeyInput = KeyObject | JsonWebKey | string;

/** A private key and the DSSE keyid it signs as. */
export interface SigningKey {
  readonly keyid: string;
  readonly privateKey: KeyInput;
}

/**
 * Looks up the public key for a keyid, given the event's attributes (so a consumer can check the key
 * belongs to the event's source). Return undefined/null for a key you do not accept.
 */
export type KeyResolver = (
  keyid: string,
  attributes: Readonly<Record<string, AttributeValue>>,
) => KeyInput | null | undefined | Promise<KeyInput | null | undefined>;

/** Accepted public keys: by keyid (a Map or a plain object), or a resolver. */
export type PublicKeys = ReadonlyMap<string, KeyInput> | Readonly<Record<string, KeyInput>> | KeyResolver;
