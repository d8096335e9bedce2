package dev.ghost.ingress.proxy;

/**
 * Where one listener instance stands with one {@link Binding}. Every binding an instance holds is in exactly one of
 * these; one it does not hold has no state at all.
 *
 * <pre>
 *            open ok                 release            closed
 *  BINDING ──────────▶ BOUND ───────────────▶ RELEASING ───────▶ (gone; bound again if wanted by then)
 *     │  ▲                                       ▲
 *     │  └──── retry (runtime) ──┐               │ release while binding: closed once bound
 *     └──── open failed ──────▶ FAILED ──────────┘ (not wanted any more: gone at once)
 * </pre>
 */
enum BindingState {
  /** The listen call is under way. */
  BINDING,
  /** Listening: connections are accepted. */
  BOUND,
  /** The listen call failed, or the plan cannot bind it (a clash); retried while wanted at runtime. */
  FAILED,
  /** Closing: no new connection is accepted; the binding is bound again only once the close completed. */
  RELEASING
}
