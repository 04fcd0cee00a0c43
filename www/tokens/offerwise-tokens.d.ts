// Types of offerwise/tokens (www/tokens/offerwise-tokens.js): signed offer tokens with Web Crypto.

/** A token lives one day unless told otherwise. */
export const DEFAULT_TTL_SECONDS: number;
/** Clock skew tolerated between the signer and the checkout, seconds. */
export const DEFAULT_LEEWAY_SECONDS: number;
/** Longest token read. */
export const MAX_TOKEN_BYTES: number;

/** Why a token or a key was refused. */
export class TokenError extends Error {
  name: "OfferwiseTokenError";
  /** Stable: `token.malformed`, `token.algorithm`, `token.unknown_key`, `token.signature`,
   * `token.issuer`, `token.expired`, `token.not_yet_valid`, `token.customer`, `token.offer`,
   * `token.value`, `token.options`, `key.invalid`, `key.unsupported`. */
  code: string;
  /** What is wrong: `header.alg`, `claims.exp`, `keys[1].x`, ... */
  path: string;
}

/** An Ed25519 JSON Web Key (RFC 8037); `d` only in a private key. */
export interface Jwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  d?: string;
  kid?: string;
  alg?: "EdDSA";
}

/** What a token says. */
export interface Claims {
  iss: "offerwise";
  /** The customer's id. */
  sub: string;
  /** The offer's id. */
  offer: string;
  /** The offer's kind (`discount`, `amountOff`, ...). */
  kind: string;
  /** The offer's value (a percentage for `discount`, money for `amountOff`, ...). */
  value: number;
  /** The decision's id (`log.decisionId`). */
  did: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** Nonce: what a redemption store keeps to make the token single-use. */
  jti: string;
}

/** A private key imported for signing. */
export interface SigningKey {
  kid: string;
  key: CryptoKey;
  seed: Uint8Array;
}

/** Trusted public keys by id. */
export type VerifyingKeys = Map<string, CryptoKey>;

export function thumbprint(x: string): Promise<string>;
export function importSigningKey(jwk: Jwk | string): Promise<SigningKey>;
export function importVerifyingKeys(doc: Jwk | { keys: Jwk[] } | string): Promise<VerifyingKeys>;
export function signClaims(signer: SigningKey, claims: Claims): Promise<string>;
/** One token per offer of the decision, in its order. */
export function signOfferTokens(
  decision: object | string,
  signer: SigningKey | Jwk | string,
  options?: { ttlSeconds?: number },
): Promise<string[]>;
/** A copy of the decision with a `token` in each offer. */
export function signDecision<D extends { offers: object[] }>(
  decision: D | string,
  signer: SigningKey | Jwk | string,
  options?: { ttlSeconds?: number },
): Promise<D & { offers: Array<D["offers"][number] & { token: string }> }>;
/** The claims when the offer may be honoured; throws a TokenError otherwise. */
export function verifyOfferToken(
  token: string,
  keys: VerifyingKeys | Jwk | { keys: Jwk[] } | string,
  expect: { customer: string; now?: Date | number | string; offer?: string; value?: number; leewaySeconds?: number },
): Promise<Claims>;

/** The `typ` of a document signature's header. */
export const DOCUMENT_TYPE: "offerwise-document";
/** A detached signature of a document's exact bytes: what `offerwise sign` writes as FILE.sig. */
export function signDocument(doc: string | Uint8Array, signer: SigningKey | Jwk | string): Promise<string>;
/** The id of the key that signed the document; throws a TokenError (`document.*`) otherwise. */
export function verifyDocument(
  doc: string | Uint8Array,
  signature: string,
  keys: VerifyingKeys | Jwk | { keys: Jwk[] } | string,
): Promise<string>;
