// The status page's script: reads the GET /v1 views of this admin port and renders them. Every value from a view
// becomes a text node: route ids and hostnames come from the control plane, so no view value is ever parsed as
// markup, used as a link or as a style (StatusPageTest keeps such APIs out of this file). One refresh runs at a
// time: the next one is scheduled 2 s after the previous one settled (every fetch times out after 5 s), so a slow
// node never piles requests up.
'use strict';

(() => {
  const REFRESH_MS = 2000;
  const TIMEOUT_MS = 5000;
  /** Badge colours: backend states of /v1/routes, then fleet member and table states; others are neutral. */
  const BADGE_CLASS = {
    eligible: 'good', drained: 'warn', ejected: 'bad', probe_down: 'bad',
    alive: 'good', gone: 'bad', 'in step': 'good', diverged: 'bad',
  };

  let lastSuccess = null;

  // ---- DOM helpers: text only ----

  /** An element with a fixed class and children; strings become text nodes, null and undefined a dash. */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : show(child));
    }
    return node;
  }

  function show(value) {
    return value === null || value === undefined || value === '' ? '\u2014' : String(value);
  }

  function replace(id, ...nodes) {
    document.getElementById(id).replaceChildren(...nodes);
  }

  /** A table: headers (a trailing '#' marks a numeric column) and rows of cells (values or nodes). */
  function table(headers, rows) {
    const numeric = headers.map((h) => h.endsWith('#'));
    const head = el('tr', null, ...headers.map((h, i) => el('th', numeric[i] ? 'num' : null,
      numeric[i] ? h.slice(0, -1) : h)));
    const body = rows.map((cells) => el('tr', null, ...cells.map((c, i) => el('td', numeric[i] ? 'num' : null, c))));
    return el('table', null, el('thead', null, head), el('tbody', null, ...body));
  }

  function empty(text) {
    return el('p', 'empty', text);
  }

  function badge(state) {
    const kind = Object.prototype.hasOwnProperty.call(BADGE_CLASS, state) ? BADGE_CLASS[state] : '';
    return el('span', ('badge ' + kind).trim(), state);
  }

  function mono(value) {
    return el('code', null, value);
  }

  function entries(object) {
    return object && typeof object === 'object' ? Object.entries(object) : [];
  }

  function duration(seconds) {
    if (typeof seconds !== 'number') {
      return null;
    }
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + s + 's';
  }

  // ---- fetching ----

  /** One view: {ok, status, body} (body null when not JSON); throws on network failure or timeout. */
  async function view(path) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(path, {
        cache: 'no-store', credentials: 'same-origin', redirect: 'error', signal: abort.signal,
        headers: { Accept: 'application/json' },
      });
      let body = null;
      try {
        body = await res.json();
      } catch (notJson) {
        body = null;
      }
      return { ok: res.ok, status: res.status, body };
    } catch (err) {
      throw new Error(err && err.name === 'AbortError' ? 'no answer within ' + TIMEOUT_MS / 1000 + ' s'
        : 'connection failed (' + (err && err.message ? err.message : 'network error') + ')');
    } finally {
      clearTimeout(timer);
    }
  }

  /** A failed view as one line: HTTP status and the API's {"error", "detail"}. */
  function failure(path, answer) {
    const b = answer.body || {};
    return path + ' answered ' + answer.status + (b.error ? ': ' + b.error : '') + (b.detail ? ' (' + b.detail + ')' : '');
  }

  async function refresh() {
    try {
      const [status, routes, fleet] = await Promise.allSettled(
        ['/v1/status', '/v1/routes', '/v1/fleet'].map(view));
      for (const r of [status, routes]) {
        if (r.status === 'rejected') {
          throw r.reason;
        }
      }
      if (!status.value.ok) {
        throw new Error(failure('/v1/status', status.value));
      }
      if (!routes.value.ok) {
        throw new Error(failure('/v1/routes', routes.value));
      }
      render(status.value.body, routes.value.body, fleet);
      lastSuccess = new Date();
      reportOk(status.value.body);
    } catch (err) {
      reportError(err);
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  // ---- state of the page ----

  function reportOk(status) {
    const phase = status.phase;
    // starting or draining: the node answers, but it is not (or no longer) taking connections as usual
    document.body.dataset.state = phase === 'serving' ? 'ok' : 'warn';
    replace('banner', 'Node ' + show(status.node_id) + ' is ' + show(phase) + '; table version '
      + show(status.table_version) + '.');
    replace('updated', 'Last update ' + lastSuccess.toLocaleTimeString() + '.');
  }

  function reportError(err) {
    document.body.dataset.state = 'error';
    const since = lastSuccess ? ' Showing data from ' + lastSuccess.toLocaleTimeString() + '.' : '';
    replace('banner', 'Cannot read the node: ' + (err && err.message ? err.message : String(err)) + '.' + since
      + ' Retrying every ' + REFRESH_MS / 1000 + ' s.');
  }

  // ---- sections ----

  function render(status, routes, fleet) {
    replace('node-id', show(status.node_id));
    renderNode(status, routes);
    renderRoutes(routes);
    renderDraining(status);
    renderFleet(status, fleet);
    renderProblems(routes);
  }

  function renderNode(status, routes) {
    const sync = status.sync || {};
    const cluster = status.cluster || {};
    const stateFile = status.state_file || {};
    const facts = [
      ['Node id', mono(status.node_id)],
      ['Software version', status.version],
      ['Phase', status.phase],
      ['Uptime', duration(status.uptime_s)],
      ['Route table version', status.table_version],
      ['Routes', (routes.routes || []).length],
      ['Open connections', show(status.open_connections) + ' of ' + show(status.max_connections)],
      ['Sync', show(sync.state) + (sync.cursor !== null && sync.cursor !== undefined ? ', cursor ' + sync.cursor : '')
        + (sync.last_success_at ? ', last success ' + sync.last_success_at : '')],
      ['Sync error', sync.last_error],
      ['State file', stateFile.enabled ? show(stateFile.path) + ' (version ' + show(stateFile.version) + ', age '
        + duration(stateFile.age_s) + ')' : 'off'],
      ['Cluster', cluster.members === null || cluster.members === undefined ? 'standalone'
        : cluster.members + ' members, trust ' + show(cluster.trust)],
      ['Listeners', (status.bound_sockets || []).map((s) => show(s.listener) + ' \u2192 '
        + (s.port === null || s.port === undefined ? 'not bound' : s.port)).join(', ')],
    ];
    replace('node', ...facts.flatMap(([k, v]) => [el('dt', null, k), el('dd', null, v)]));
  }

  function renderRoutes(routes) {
    const list = routes.routes || [];
    if (list.length === 0) {
      replace('routes', empty('No routes in table version ' + show(routes.version) + '.'));
      return;
    }
    const rows = list.map((r) => [
      mono(r.id), r.hostname, r.port, r.protocol, r.env, r.origin, r.proxy_protocol, r.open_connections,
      el('ul', 'backends', ...(r.backends || []).map((b) => el('li', null, badge(b.state), mono(b.address)))),
    ]);
    replace('routes', table(['Route id', 'Hostname', 'Port#', 'Protocol', 'Env', 'Origin', 'PROXY',
      'Open#', 'Backends'], rows));
  }

  function renderDraining(status) {
    const rows = entries(status.draining).map(([backend, open]) => [mono(backend), open]);
    replace('draining', rows.length === 0 ? empty('No backend is draining on this node.')
      : table(['Backend', 'Open connections on this node#'], rows));
  }

  function renderFleet(status, settled) {
    if (settled.status === 'rejected') {
      replace('fleet', el('p', 'error', 'The fleet view failed: ' + settled.reason.message));
      return;
    }
    const answer = settled.value;
    if (answer.status === 404 && answer.body && answer.body.error === 'not_clustered') {
      replace('fleet', empty('Not part of a fleet: ' + show(answer.body.detail) + '. This node serves table version '
        + show(status.table_version) + '.'));
      return;
    }
    if (!answer.ok) {
      replace('fleet', el('p', 'error', failure('/v1/fleet', answer)));
      return;
    }
    const fleet = answer.body || {};
    const nodes = fleet.nodes || [];
    const alive = nodes.filter((n) => n.alive);
    const diverged = alive.filter((n) => n.diverged);
    const summary = diverged.length === 0
      ? 'Converged: all ' + alive.length + ' live nodes serve the leader\u2019s table.'
      : 'Not converged: ' + diverged.length + ' of ' + alive.length + ' live nodes differ from the leader.';
    const rows = nodes.map((n) => [
      el('span', null, mono(n.node_id), ...[[status.node_id, ' (this node)'], [fleet.leader, ' (leader)']]
        .filter(([id]) => id === n.node_id).map(([, mark]) => mark)),
      n.version, mono(n.hash), n.applied_at,
      badge(n.alive ? 'alive' : 'gone'), badge(n.diverged ? 'diverged' : 'in step'), n.draining ? 'yes' : 'no',
    ]);
    replace('fleet',
      el('p', diverged.length === 0 ? null : 'error', summary),
      el('p', 'muted', 'Leader ' + show(fleet.leader) + '; last propagation '
        + (fleet.last_propagation_ms === null || fleet.last_propagation_ms === undefined ? 'unknown'
          : fleet.last_propagation_ms + ' ms') + '.'),
      table(['Node', 'Version#', 'Hash', 'Applied at', 'Member', 'Table', 'Draining'], rows));
  }

  function renderProblems(routes) {
    const parts = [];
    const conflicts = routes.conflicts || [];
    if (conflicts.length > 0) {
      parts.push(el('h3', null, 'Conflicts (the older route keeps the key)'), table(
        ['Scope', 'Port#', 'Hostname', 'Winner', 'Loser'],
        conflicts.map((c) => [c.scope, c.port, c.host, mono(c.winner), mono(c.loser)])));
    }
    const rejected = routes.rejected || [];
    if (rejected.length > 0) {
      parts.push(el('h3', null, 'Rejected routes'), table(['Route id', 'Reason'],
        rejected.map((r) => [mono(r.route_id), r.reason])));
    }
    const bindFailures = routes.bind_failures || [];
    if (bindFailures.length > 0) {
      parts.push(el('h3', null, 'Bind failures'), table(['Listener', 'Port#', 'Error'],
        bindFailures.map((b) => [b.listener, b.bind_port, b.error])));
    }
    const degraded = entries(routes.envs).filter(([, e]) => e && e.degraded);
    if (degraded.length > 0) {
      parts.push(el('h3', null, 'Degraded envs'), table(['Env', 'IPv4', 'Reason'],
        degraded.map(([env, e]) => [mono(env), e.ipv4, e.reason])));
    }
    replace('problems', ...(parts.length > 0 ? parts
      : [empty('No conflicts, rejected routes, bind failures or degraded envs.')]));
  }

  document.addEventListener('DOMContentLoaded', refresh);
})();
