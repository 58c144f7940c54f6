// The runner, inside the sandboxed opaque-origin frame. It takes `run` requests from the
// app (its parent only), shows a page in a nested frame or runs Python in a warm worker,
// and answers with the versioned protocol: JSON text, every message with the run's nonce.
'use strict';
(() => {
  const VERSION = 2;
  // The app shows 1,000 lines and notes the cap when one more arrives; nothing past that
  // is sent, so a flood of output costs this frame, never the app.
  const MAX_LINES = 1001;
  const MAX_CHARS = 8000;
  const HEARTBEAT_MS = 250;
  const NONCE = /^[A-Za-z0-9]{1,64}$/;
  const LEVELS = new Set(['log', 'info', 'warn', 'error', 'debug']);
  const MAX_CHECKS = 50;
  const MAX_CHECK_CHARS = 2000;

  const hash = location.hash.slice(1);
  const frameNonce = NONCE.test(hash) ? hash : '';
  const pageHook = new URL('page.js', location.href).href;
  const pyodideBase = new URL('/pyodide/', location.href).href;
  const note = document.getElementById('note');

  /** The current run: { nonce, lines, startedAt, done, page, checks, token }. */
  let run = null;
  /** The last run's page, left on show under the next page until that one has loaded, so a
   * re-run never flashes white. */
  let outgoing = null;

  function dropOutgoing() {
    if (outgoing) outgoing.remove();
    outgoing = null;
  }

  /** The Python worker, kept warm between runs: { worker, ready, job }. */
  let python = null;

  function send(type, fields, nonce) {
    const message = Object.assign({ v: VERSION, type, nonce: nonce || frameNonce }, fields);
    parent.postMessage(JSON.stringify(message), '*');
  }

  function cut(text) {
    const s = String(text);
    return s.length > MAX_CHARS ? s.slice(0, MAX_CHARS) + '… (' + (s.length - MAX_CHARS) + ' more characters)' : s;
  }

  function lineNumber(value) {
    return Number.isInteger(value) && value > 0 ? value : null;
  }

  /** Sends a console or error line of `current`, within the line cap. */
  function output(current, type, fields) {
    if (current === run && current.lines++ < MAX_LINES) send(type, fields, current.nonce);
  }

  function finish(current) {
    if (current !== run || current.done) return;
    current.done = true;
    if (current.page) {
      dropOutgoing();
      current.page.classList.remove('incoming');
    }
    send('done', { elapsed_ms: performance.now() - current.startedAt }, current.nonce);
  }

  /** Forwards one check's result; the index must be one of the run's checks. */
  function checked(current, index, passed, detail) {
    if (current !== run || !Number.isInteger(index) || index < 0 || index >= current.checks.length) return;
    send('check', { index, passed: passed === true, detail: detail == null ? null : cut(detail) }, current.nonce);
  }

  /** A fresh secret per run: the hook's check results and load carry it, and the page's own
   * code never sees it (the hook takes it and removes its script element before the page
   * runs), so a page cannot pass its own checks or end its run early. */
  function token() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function attribute(text) {
    return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  }

  function begin(current) {
    current.startedAt = performance.now();
    send('started', {}, current.nonce);
  }

  // ---- pages ----

  /** Puts the page hook first, on the doctype's line, so the page's line numbers hold. The
   * hook's tag carries the run's checks and token. */
  function instrument(html, current) {
    const hook = '<script src="' + pageHook + '" data-token="' + current.token +
      '" data-checks="' + attribute(JSON.stringify(current.checks)) + '"></script>';
    const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
    return doctype ? doctype[0] + hook + html.slice(doctype[0].length) : hook + html;
  }

  function startPage(current, code) {
    note.hidden = true;
    begin(current);
    // The page starts in a later task: a message posted in the same task as a busy loop
    // is never delivered, and `started` must reach the app first.
    setTimeout(() => {
      if (current !== run) return;
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.setAttribute('title', 'Preview');
      frame.srcdoc = instrument(code, current);
      // Drawn under the last page until it says it has loaded (runner.html's CSS).
      if (outgoing) frame.className = 'incoming';
      current.page = frame;
      document.body.appendChild(frame);
    }, 0);
  }

  /** A message from the shown page's hook (or from the page's own code: display only). */
  function fromPage(current, data) {
    if (!data || typeof data !== 'object') return;
    if (data.sp === 'loaded' && data.token === current.token) {
      finish(current);
    } else if (data.sp === 'check' && data.token === current.token) {
      checked(current, data.index, data.passed, data.detail);
    } else if (data.sp === 'console' && LEVELS.has(data.level)) {
      output(current, 'console', { level: data.level, text: cut(data.text), line: lineNumber(data.line) });
    } else if (data.sp === 'error') {
      output(current, 'error', { message: cut(data.text), line: lineNumber(data.line) });
    }
  }

  // ---- Python ----

  function startWorker() {
    const source = '(' + sparkplugPythonWorker.toString() + ')(' + JSON.stringify(pyodideBase) + ');';
    // Only a data: module worker can start in an opaque-origin frame.
    const worker = new Worker('data:text/javascript,' + encodeURIComponent(source), { type: 'module' });
    const state = { worker, ready: false, job: null };
    worker.onmessage = (event) => fromWorker(state, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      failWorker(state, 'The Python worker failed: ' + (event.message || 'unknown error'));
    };
    return state;
  }

  function failWorker(state, message) {
    if (python === state) python = null;
    state.worker.terminate();
    if (run && !run.done) {
      const current = run;
      if (!current.startedAt) begin(current);
      // Not the code's fault: the app must not ask a model to fix it.
      send('unavailable', { message: cut(message) }, current.nonce);
      finish(current);
    }
  }

  function startPython(current, code) {
    dropOutgoing();
    note.hidden = false;
    note.textContent = 'Python: its output is in the console.';
    if (!python) python = startWorker();
    python.job = { nonce: current.nonce, code, checks: current.checks };
    if (python.ready) runJob(python);
  }

  function runJob(state) {
    const job = state.job;
    state.job = null;
    if (!job || !run || run.nonce !== job.nonce) return;
    begin(run);
    // The worker is another thread, so `started` is on its way before the code begins.
    state.worker.postMessage(job);
  }

  function fromWorker(state, data) {
    if (!data || typeof data !== 'object') return;
    const current = run && run.nonce === data.nonce ? run : null;
    switch (data.kind) {
      case 'progress':
        if (run && !run.done) {
          send('progress', { loaded: data.loaded, total: data.total, label: String(data.label) }, run.nonce);
        }
        break;
      case 'ready':
        state.ready = true;
        runJob(state);
        break;
      case 'failed':
        failWorker(state, 'Python could not load: ' + data.error);
        break;
      case 'out':
      case 'err':
        if (current) {
          output(current, 'console', { level: data.kind === 'out' ? 'log' : 'error', text: cut(data.text), line: null });
        }
        break;
      case 'result':
        if (current) {
          if (data.error) output(current, 'error', { message: cut(data.error), line: null });
          for (const c of Array.isArray(data.checks) ? data.checks : []) {
            checked(current, c.index, c.passed, c.detail);
          }
          finish(current);
        }
        break;
    }
  }

  // ---- requests ----

  /** A `run` request from the app, checked before use. */
  function request(text) {
    let r;
    try {
      r = JSON.parse(text);
    } catch {
      return;
    }
    const checks = r && r.checks === undefined ? [] : r && r.checks;
    const validChecks = Array.isArray(checks) && checks.length <= MAX_CHECKS &&
      checks.every((c) => typeof c === 'string' && c.length <= MAX_CHECK_CHARS);
    const valid = r && r.v === VERSION && r.type === 'run' && typeof r.nonce === 'string' &&
      NONCE.test(r.nonce) && typeof r.code === 'string' && (r.lang === 'html' || r.lang === 'python') &&
      validChecks;
    if (!valid) return;
    if (run && run.page) {
      // A page still loading is dropped; one that loaded stays until its successor has.
      dropOutgoing();
      if (run.done) outgoing = run.page;
      else run.page.remove();
    }
    run = { nonce: r.nonce, lines: 0, startedAt: 0, done: false, page: null, checks, token: token() };
    if (r.lang === 'html') startPage(run, r.code);
    else startPython(run, r.code);
  }

  addEventListener('message', (event) => {
    if (event.source === parent && typeof event.data === 'string') {
      request(event.data);
    } else if (run && run.page && event.source === run.page.contentWindow) {
      fromPage(run, event.data);
    }
  });

  setInterval(() => send('heartbeat', {}, run ? run.nonce : frameNonce), HEARTBEAT_MS);
  send('ready', {});
})();
