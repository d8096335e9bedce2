package dev.ghost.ingress.health;

import dev.ghost.ingress.route.Backend;
import java.util.Collection;

/**
 * A digest of a set of backend addresses that does not depend on their order: the number of addresses and the sum of a
 * 64-bit hash of each. Two nodes holding the same set compute the same digest, so a compact health view can say "every
 * other backend of the set with this digest is healthy" and a receiver that holds that set (from a full view, its own
 * or another node's) can list them. Pure and immutable; adding one address costs one hash.
 *
 * @param count addresses in the set
 * @param sum   the sum of their hashes (wrapping)
 */
record BackendSetDigest(int count, long sum) {

  /** The digest of the empty set. */
  static final BackendSetDigest EMPTY = new BackendSetDigest(0, 0);

  /** The digest of the given backends' addresses (each once). */
  static BackendSetDigest of(Collection<Backend> backends) {
    long sum = 0;
    for (Backend b : backends) {
      sum += hash(b.toString());
    }
    return new BackendSetDigest(backends.size(), sum);
  }

  /** This digest with one more address (not already in the set). */
  BackendSetDigest plus(String address) {
    return new BackendSetDigest(count + 1, sum + hash(address));
  }

  /** The text a view carries, e.g. {@code 2000-9f3c...}. */
  String text() {
    return count + "-" + Long.toHexString(sum);
  }

  /** FNV-1a over the characters, then SplitMix64's finaliser so that sums of similar addresses spread. */
  static long hash(String address) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < address.length(); i++) {
      h = (h ^ address.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
