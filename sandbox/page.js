// The page hook: the runner puts it first in every page it shows. It sends the page's
// console output (values formatted here, as text), uncaught errors, unhandled rejections,
// blocked network requests, the run's checks evaluated once the page has loaded, and the
// page's load to the runner.
(() => {
  'use strict';
  const MAX_SENT = 1001;
  const MAX_ITEMS = 100;
  const MAX_DEPTH = 3;
  // Taken now, before the page's own code can replace them.
  const parentWindow = window.parent;
  const post = (message) => parentWindow.postMessage(message, '*');
  const script = document.currentScript;
  const hookUrl = script ? script.src : '';
  // The run's secret and checks, taken before the page's code runs; removing the tag keeps
  // the secret from the page, so only this hook can report checks and the load.
  const token = script ? script.dataset.token || '' : '';
  let checks = [];
  try {
    checks = JSON.parse((script && script.dataset.checks) || '[]');
  } catch {
    checks = [];
  }
  if (script) script.remove();
  let sent = 0;

  function send(message) {
    if (sent++ < MAX_SENT) post(message);
  }

  // ---- formatting values as text ----

  function quote(s) {
    return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  }

  function errorText(error, top) {
    const head = (error.name || 'Error') + ': ' + error.message;
    return top ? head : '[' + head + ']';
  }

  function nodeText(node) {
    if (node.nodeType === 1) {
      let s = '<' + node.localName;
      for (const name of ['id', 'class']) {
        const value = node.getAttribute(name);
        if (value) s += ' ' + name + '="' + value + '"';
      }
      return s + '>';
    }
    if (node.nodeType === 3) return '#text ' + quote(node.data);
    return node.nodeName;
  }

  function items(list, depth, seen, more) {
    const shown = list.slice(0, MAX_ITEMS).map((v) => format(v, depth + 1, seen, false));
    if (more > MAX_ITEMS) shown.push('… ' + (more - MAX_ITEMS) + ' more');
    return shown.join(', ');
  }

  function format(value, depth, seen, top) {
    try {
      switch (typeof value) {
        case 'string': return top ? value : quote(value);
        case 'number': return Object.is(value, -0) ? '-0' : String(value);
        case 'bigint': return value + 'n';
        case 'symbol': return value.toString();
        case 'undefined': return 'undefined';
        case 'boolean': return String(value);
        case 'function': {
          const isClass = /^class[\s{]/.test(Function.prototype.toString.call(value));
          return '[' + (isClass ? 'class ' : 'Function: ') + (value.name || '(anonymous)') + ']';
        }
      }
      if (value === null) return 'null';
      if (seen.includes(value)) return '[Circular]';
      if (value instanceof Error) return errorText(value, top);
      if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : value.toISOString();
      if (value instanceof RegExp) return String(value);
      if (value instanceof Promise) return 'Promise {…}';
      if (value === window) return '[Window]';
      if (typeof Node !== 'undefined' && value instanceof Node) return nodeText(value);
      const inner = seen.concat([value]);
      if (Array.isArray(value)) {
        if (depth >= MAX_DEPTH) return '[Array(' + value.length + ')]';
        return '[' + items(value, depth, inner, value.length) + ']';
      }
      if (ArrayBuffer.isView(value) && typeof value.length === 'number') {
        const name = value.constructor.name;
        return name + '(' + value.length + ') [' + items(Array.from(value.slice(0, MAX_ITEMS)), depth, inner, value.length) + ']';
      }
      if (value instanceof Map) {
        if (depth >= MAX_DEPTH) return '[Map(' + value.size + ')]';
        const entries = Array.from(value).slice(0, MAX_ITEMS)
          .map(([k, v]) => format(k, depth + 1, inner, false) + ' => ' + format(v, depth + 1, inner, false));
        return 'Map(' + value.size + ') {' + entries.join(', ') + '}';
      }
      if (value instanceof Set) {
        if (depth >= MAX_DEPTH) return '[Set(' + value.size + ')]';
        return 'Set(' + value.size + ') {' + items(Array.from(value), depth, inner, value.size) + '}';
      }
      const proto = Object.getPrototypeOf(value);
      const name = proto && proto.constructor && proto.constructor.name;
      const prefix = name && name !== 'Object' ? name + ' ' : '';
      if (depth >= MAX_DEPTH) return prefix ? '[' + name + ']' : '[Object]';
      const keys = Object.keys(value);
      const fields = keys.slice(0, MAX_ITEMS).map((key) => {
        const label = /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
        return label + ': ' + format(value[key], depth + 1, inner, false);
      });
      if (keys.length > MAX_ITEMS) fields.push('… ' + (keys.length - MAX_ITEMS) + ' more');
      return prefix + '{' + (fields.length ? ' ' + fields.join(', ') + ' ' : '') + '}';
    } catch {
      // Proxies and throwing getters: show that there was something, not why.
      return '[unprintable]';
    }
  }

  /** console.log's arguments as one line: %s %d %i %f %o %O %c in a first string, then the rest. */
  function render(args) {
    const rest = args.slice();
    let head = '';
    if (typeof rest[0] === 'string' && rest[0].includes('%')) {
      head = rest.shift().replace(/%[sdifoOc%]/g, (spec) => {
        if (spec === '%%') return '%';
        if (!rest.length) return spec;
        const value = rest.shift();
        switch (spec) {
          case '%s': return typeof value === 'string' ? value : format(value, 0, [], false);
          case '%d': case '%i': return String(parseInt(value, 10));
          case '%f': return String(parseFloat(value));
          case '%c': return '';
          default: return format(value, 0, [], false);
        }
      });
    }
    const parts = rest.map((v) => format(v, 0, [], true));
    return [head].concat(parts).filter((p, i) => i > 0 || p !== '').join(' ');
  }

  /** The page line that called the console, from the stack (frames of this hook skipped). */
  function callerLine() {
    const stack = new Error().stack || '';
    for (const frame of stack.split('\n').slice(1)) {
      if (hookUrl && frame.includes(hookUrl)) continue;
      const match = /:(\d+):\d+\)?\s*$/.exec(frame);
      if (match) return Number(match[1]);
    }
    return null;
  }

  // ---- console ----

  const counts = new Map();
  const timers = new Map();
  let indent = '';

  function emit(level, text) {
    send({ sp: 'console', level, text: indent + text, line: callerLine() });
  }

  const methods = {
    log: (...a) => emit('log', render(a)),
    info: (...a) => emit('info', render(a)),
    warn: (...a) => emit('warn', render(a)),
    error: (...a) => emit('error', render(a)),
    debug: (...a) => emit('debug', render(a)),
    trace: (...a) => emit('log', 'Trace: ' + render(a)),
    dir: (v) => emit('log', format(v, 0, [], true)),
    table: (v) => emit('log', format(v, 0, [], true)),
    assert: (ok, ...a) => { if (!ok) emit('error', 'Assertion failed' + (a.length ? ': ' + render(a) : '')); },
    count: (label = 'default') => {
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      emit('log', label + ': ' + n);
    },
    countReset: (label = 'default') => counts.delete(label),
    time: (label = 'default') => timers.set(label, performance.now()),
    timeEnd: (label = 'default') => {
      if (!timers.has(label)) return;
      emit('log', label + ': ' + (performance.now() - timers.get(label)).toFixed(3) + ' ms');
      timers.delete(label);
    },
    group: (...a) => { if (a.length) emit('log', render(a)); indent += '  '; },
    groupEnd: () => { indent = indent.slice(2); },
  };
  methods.timeLog = methods.timeEnd;
  methods.groupCollapsed = methods.group;
  for (const [name, fn] of Object.entries(methods)) console[name] = fn;

  // ---- forms ----

  // The sandbox blocks form submission anyway, but in Chromium 156 a blocked form.submit()
  // called from script keeps the frame's process alive after the frame is removed, so the
  // app's kill could no longer free it. Refusing the call here first keeps kills working.
  Object.defineProperty(HTMLFormElement.prototype, 'submit', {
    value: function submit() {
      send({ sp: 'console', level: 'warn', text: 'Blocked form submission: the sandbox does not submit forms.', line: callerLine() });
    },
    writable: false,
    configurable: false,
  });

  // ---- errors, blocked requests, load ----

  addEventListener('error', (event) => {
    // Failed loads of elements (blocked scripts, images) are reported as CSP violations.
    if (!(event instanceof ErrorEvent)) return;
    const text = event.message || (event.error ? format(event.error, 0, [], true) : 'Uncaught error');
    send({ sp: 'error', text, line: event.lineno || null });
  });

  addEventListener('unhandledrejection', (event) => {
    const reason = event.reason;
    let line = null;
    if (reason instanceof Error && typeof reason.stack === 'string') {
      const match = /:(\d+):\d+\)?\s*$/m.exec(reason.stack.split('\n').slice(1).join('\n'));
      if (match) line = Number(match[1]);
    }
    send({ sp: 'error', text: 'Uncaught (in promise) ' + format(reason, 0, [], true), line });
  });

  addEventListener('securitypolicyviolation', (event) => {
    const what = event.blockedURI || event.effectiveDirective;
    send({ sp: 'console', level: 'warn', text: 'Blocked by the sandbox (no network, no navigation): ' + what, line: event.lineNumber || null });
  });

  /** Each check, a JavaScript expression, evaluated in the page's global scope. */
  function runChecks() {
    checks.forEach((code, index) => {
      let passed = false;
      let detail = null;
      try {
        const value = (0, eval)(code);
        passed = Boolean(value);
        if (!passed) detail = 'it was ' + format(value, 0, [], false);
      } catch (error) {
        detail = error instanceof Error ? errorText(error, true) : 'threw ' + format(error, 0, [], false);
      }
      post({ sp: 'check', token, index, passed, detail });
    });
    post({ sp: 'loaded', token });
  }

  // Checks wait for the page's own load handlers and the tasks those queued.
  addEventListener('load', () => setTimeout(() => setTimeout(runChecks, 0), 0));
})();
