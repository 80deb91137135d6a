/**
 * Branded proof values. The functions that perform a check are the only ones that mint the
 * matching proof, and the states that follow a check take the proof as a constructor argument, so a
 * refactoring cannot skip CertificateVerify or Finished verification without a type error
 * (the rustls `ServerCertVerified` / `FinishedMessageVerified` idea).
 */
declare const brand: unique symbol;
type Proof<Name extends string> = { readonly [brand]: Name };

/** The peer's chain went through the CertificateVerifier (whatever the verdict, it is recorded). */
export type CertChecked = Proof<'CertChecked'>;
/** The peer's CertificateVerify signature verified over the transcript with the leaf's key. */
export type SignatureVerified = Proof<'SignatureVerified'>;
/** The peer's Finished verify_data matched ours, compared in constant time. */
export type FinishedVerified = Proof<'FinishedVerified'>;
/** The peer did not authenticate (no certificate requested or an allowed empty Certificate). */
export type NoPeerAuth = Proof<'NoPeerAuth'>;

export function certChecked(): CertChecked {
  return {} as CertChecked;
}
export function signatureVerified(): SignatureVerified {
  return {} as SignatureVerified;
}
export function finishedVerified(): FinishedVerified {
  return {} as FinishedVerified;
}
export function noPeerAuth(): NoPeerAuth {
  return {} as NoPeerAuth;
}
