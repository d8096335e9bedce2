package dev.ghost.ingress.route;

import java.util.ArrayList;
import java.util.List;
import org.pcollections.TreePMap;

/**
 * The routes a table does not apply, kept in the order a full build reports them: the static configuration's
 * invalid routes (file order), the control plane's (by route id), then the duplicate ids, static ones first and
 * control-plane ones by seniority.
 *
 * @param staticInvalid invalid static routes, in file order
 * @param cpInvalid     invalid control-plane routes, by id
 * @param staticDups    static routes whose id an older static route has
 * @param cpDups        control-plane routes whose id a static route has, by seniority
 */
record Rejections(List<Rejection> staticInvalid, TreePMap<String, Rejection> cpInvalid,
    List<Rejection> staticDups, TreePMap<Route, Rejection> cpDups) {

  static final String DUPLICATE = "duplicate route id; the older route with this id is kept";

  /** Every rejection in report order: O(rejections). */
  List<Rejection> all() {
    List<Rejection> out = new ArrayList<>(staticInvalid.size() + cpInvalid.size() + staticDups.size()
        + cpDups.size());
    out.addAll(staticInvalid);
    out.addAll(cpInvalid.values());
    out.addAll(staticDups);
    out.addAll(cpDups.values());
    return List.copyOf(out);
  }

  Rejections withCpInvalid(TreePMap<String, Rejection> next) {
    return new Rejections(staticInvalid, next, staticDups, cpDups);
  }

  Rejections withCpDups(TreePMap<Route, Rejection> next) {
    return new Rejections(staticInvalid, cpInvalid, staticDups, next);
  }
}
