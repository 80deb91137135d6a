/**
 * Constant-time equality for MACs and Finished verify_data: the loop touches every byte whatever
 * the contents, so the time taken depends only on the lengths (which are public).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
