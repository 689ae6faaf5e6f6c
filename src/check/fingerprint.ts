/**
 * A fingerprint of an entry's data: what the safety checker compares when a host sends it an entry without its data
 * (the browser's nodes report what they persist and apply across the worker boundary, several times per entry; the
 * data is most of an entry's size). Two 32-bit multiplicative hashes of the UTF-16 code units, with different primes
 * and seeds, joined into one 53-bit integer (exact in a double): two different data strings at the same index share a
 * fingerprint with a chance of about 2^-53, so the checker may in principle miss a difference; it never reports one
 * that is not there (equal data gives equal fingerprints). Deterministic, no state.
 */
export function dataHash(data: string | undefined): number {
  if (data === undefined) return -1
  let a = 0x811c9dc5
  let b = 0x9747b28c ^ data.length
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff)
}
