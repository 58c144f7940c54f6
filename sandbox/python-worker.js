// The Python worker's source. The runner never calls this function here: it starts a data:
// module worker from its text (the only kind of worker an opaque-origin frame may start),
// which loads Pyodide from the server's /pyodide/ and runs one job at a time.
// eslint-disable-next-line no-unused-vars
function sparkplugPythonWorker(base) {
  'use strict';
  const realFetch = globalThis.fetch;
  let loaded = 0;
  let total = 0;
  let reportedAt = 0;

  function progress(label, always) {
    const now = performance.now();
    if (always || now - reportedAt > 100) {
      reportedAt = now;
      postMessage({ kind: 'progress', loaded, total, label });
    }
  }

  // Pyodide fetches its wasm, standard library and lock file; counting their bytes as
  // they stream in drives the app's progress bar.
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const size = Number(response.headers.get('content-length')) || 0;
    if (!response.ok || !response.body || size === 0) return response;
    total += size;
    const reader = response.body.getReader();
    const counted = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          // Every byte is in; compiling and starting Python takes the seconds that follow.
          if (loaded === total) progress('Starting Python…', true);
          return;
        }
        loaded += value.byteLength;
        progress('Loading Python…', false);
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  let pyodide = null;
  /** The nonce of the job running now, so late output is tagged with its own run. */
  let current = null;

  (async () => {
    progress('Loading Python…', true);
    const { loadPyodide } = await import(base + 'pyodide.mjs');
    pyodide = await loadPyodide({ indexURL: base, packages: [] });
    globalThis.fetch = realFetch;
    pyodide.setStdout({ batched: (text) => postMessage({ kind: 'out', nonce: current, text }) });
    pyodide.setStderr({ batched: (text) => postMessage({ kind: 'err', nonce: current, text }) });
    // No keyboard here: input() reads end-of-file at once instead of waiting forever.
    pyodide.setStdin({ stdin: () => null, autoEOF: true });
    postMessage({ kind: 'ready' });
  })().catch((error) => {
    postMessage({ kind: 'failed', error: String((error && error.message) || error) });
  });

  onmessage = async (event) => {
    const { nonce, code, checks } = event.data;
    current = nonce;
    // Fresh globals per run, so one run's names never leak into the next.
    const globals = pyodide.globals.get('dict')();
    globals.set('__name__', '__main__');
    let error = null;
    try {
      await pyodide.runPythonAsync(code, { globals, filename: '<exec>' });
    } catch (e) {
      error = String((e && e.message) || e);
    }
    // Checks run after a clean program, in its globals: an `assert`, or an expression that
    // must be true.
    const results = [];
    if (error === null) {
      for (const [index, check] of (checks || []).entries()) {
        const source = /^\s*assert\b/.test(check) ? check : 'assert (' + check + ')';
        try {
          await pyodide.runPythonAsync(source, { globals, filename: '<check>' });
          results.push({ index, passed: true, detail: null });
        } catch (e) {
          const lines = String((e && e.message) || e).trim().split('\n');
          results.push({ index, passed: false, detail: lines[lines.length - 1] });
        }
      }
    }
    try {
      pyodide.runPython('import sys\nsys.stdout.flush()\nsys.stderr.flush()');
    } catch {
      // The run may have replaced sys.stdout with something that cannot flush.
    }
    globals.destroy();
    postMessage({ kind: 'result', nonce, error, checks: results });
  };
}
