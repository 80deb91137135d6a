/**
 * The optional native AEAD addon (native/aead/aead.c) for the tests that need it, one policy for
 * all of them: without the addon they are skipped loudly; in CI (TS_TLS_REQUIRE_PEERS=1), which
 * builds it, a missing addon is a failure; TS_TLS_NATIVE=0 (the CI node:crypto run) turns it off
 * on purpose, so they skip quietly.
 */
import type { TestContext } from 'node:test';
import { nativeAeadBinding } from '../../src/crypto/node/native-aead.js';

export type NativeBinding = NonNullable<ReturnType<typeof nativeAeadBinding>>;

/** What a test says when the addon is not there. */
export interface NativeNeed {
  /** What goes unchecked without the addon, ending the "not built" message. */
  readonly untested?: string;
  /** The whole message under TS_TLS_NATIVE=0. */
  readonly disabled?: string;
}

const DISABLED = 'native AEAD disabled by TS_TLS_NATIVE=0 (this run tests the node:crypto path)';
const NOT_BUILT = 'native AEAD not built: native/aead/build/Release/ts_tls_aead.node is missing (run node scripts/build-native.mjs)';

/** Reports a missing addon; `skip` ends the test (t.skip), else it goes on with a note only. */
function reportAbsent(t: TestContext, need: NativeNeed, skip: boolean): void {
  if (process.env.TS_TLS_NATIVE === '0') {
    const msg = need.disabled ?? DISABLED;
    if (skip) t.skip(msg);
    else t.diagnostic(msg);
    return;
  }
  const msg = `${NOT_BUILT}; ${need.untested ?? 'native tests SKIPPED'}`;
  if (process.env.TS_TLS_REQUIRE_PEERS === '1') throw new Error(msg);
  console.warn(`\n*** ${msg} ***\n`);
  if (skip) t.skip(msg);
}

/**
 * The addon, or null after t.skip (the caller returns). Throws when it is missing in CI
 * (TS_TLS_REQUIRE_PEERS=1).
 */
export function requireNative(t: TestContext, need: NativeNeed = {}): NativeBinding | null {
  const b = nativeAeadBinding();
  if (b === null) reportAbsent(t, need, true);
  return b;
}

/**
 * Whether the addon is loaded, for tests that still run without it but check less: no skip, a
 * diagnostic under TS_TLS_NATIVE=0, else a loud warning (a failure in CI).
 */
export function nativeLoaded(t: TestContext, need: NativeNeed = {}): boolean {
  if (nativeAeadBinding() !== null) return true;
  reportAbsent(t, need, false);
  return false;
}
