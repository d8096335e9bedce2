/**
 * Which backends of a route may take a new connection, and in what order: the node's mutable, thread-safe state
 * beside the immutable {@code route} table. Passive ejection and admin drains ({@link
 * dev.ghost.ingress.eligibility.BackendHealth}, {@link dev.ghost.ingress.eligibility.AdminDrains}), the active
 * probes' verdicts ({@link dev.ghost.ingress.eligibility.ProbeVerdicts}), and the choice policy over them
 * ({@link dev.ghost.ingress.eligibility.BackendSelector}, round-robin by default), which turns a route into a
 * {@link dev.ghost.ingress.eligibility.Plan} of backends to try.
 */
package dev.ghost.ingress.eligibility;
