// Render-benchmark instrumentation, injected into the app and the baseline page alike before
// a run starts (WebDriver scripts are exempt from the page's CSP). Nothing here is app code.
//
// What it measures, the same way on both pages:
// - frame gaps: timestamps of every requestAnimationFrame from the first byte to the last paint;
// - long tasks: PerformanceObserver 'longtask' entries (over 50 ms) during the run, and the
//   'long-animation-frame' entries that say where such a frame's time went;
// - last byte: when the body reader delivered the last chunk;
// - first and last paint: when the frame holding the first change that put text in the target
//   (the last DOM change) had been painted (a task posted from that frame's rAF runs after its
//   paint);
// - script time: time inside rAF callbacks (with the microtasks they queue) plus, for each body
//   chunk, the time from its delivery to the consumer's next read() (the stream consumer's work).
//
// `window.__benchReset()` starts the figures afresh (each turn of a long session).
(() => {
  const fresh = () => ({
    recording: true,
    frames: [],
    longTasks: [],
    longFrames: [],
    firstByte: null,
    lastByte: null,
    bytes: 0,
    firstContent: null,
    lastContent: null,
    usage: null,
    rafScript: 0,
    streamScript: 0,
    lastMutation: null,
    hasText: false,
    firstPaint: null,
    lastPaint: null,
    inRaf: false,
  });
  const state = (window.__bench = fresh());
  // Each reset starts a new frame loop; the old one stops at its next frame.
  let generation = 0;
  window.__benchReset = () => {
    generation += 1;
    Object.assign(state, fresh());
    frames(generation);
  };
  const now = () => performance.now();
  const raf = window.requestAnimationFrame.bind(window);
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => {
    state.lastPaint = now();
    if (event.data === 1) state.firstPaint ??= state.lastPaint;
  };

  // Frame timestamps, from an rAF loop of our own (not counted as script time).
  const frames = (mine) => {
    const frame = (ts) => {
      if (mine !== generation) return;
      if (ts !== undefined && state.recording) state.frames.push(ts);
      if (state.recording) raf(frame);
    };
    frame();
  };
  frames(generation);

  // Script time in the page's rAF callbacks, and whether one is running.
  window.requestAnimationFrame = (callback) =>
    raf((ts) => {
      const start = now();
      state.inRaf = true;
      try {
        callback(ts);
      } finally {
        // Queued last, so it runs after the microtasks the callback queued (effects, observers).
        queueMicrotask(() => {
          state.inRaf = false;
          state.rafScript += now() - start;
        });
      }
    });

  // The stream consumer's time per chunk, byte times, and the answer's span and usage.
  const read = ReadableStreamDefaultReader.prototype.read;
  const decoder = new TextDecoder();
  let pending = '';
  let chunkStart = null;
  ReadableStreamDefaultReader.prototype.read = function () {
    if (chunkStart !== null) {
      state.streamScript += now() - chunkStart;
      chunkStart = null;
    }
    return read.call(this).then((result) => {
      const t = now();
      if (!result.done && result.value) {
        state.firstByte ??= t;
        state.lastByte = t;
        state.bytes += result.value.length;
        pending += decoder.decode(result.value, { stream: true });
        let cut;
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          if (/"content":"[^"]/.test(event)) {
            state.firstContent ??= t;
            state.lastContent = t;
          }
          const usage = event.match(/"completion_tokens":(\d+)/);
          if (usage) state.usage = Number(usage[1]);
        }
        chunkStart = now();
      }
      return result;
    });
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (state.recording) state.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }
  }).observe({ type: 'longtask' });
  // Where a long frame's time went (script, forced layout, rendering), for the report.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!state.recording) continue;
      state.longFrames.push({
        start: e.startTime,
        duration: e.duration,
        styleAndLayoutStart: e.styleAndLayoutStart,
        scripts: e.scripts.map((s) => ({ duration: s.duration, forced: s.forcedStyleAndLayoutDuration })),
      });
    }
  }).observe({ type: 'long-animation-frame' });

  // The last paint: the frame after the last change has been drawn.
  const target = document.querySelector(arguments[0]);
  new MutationObserver(() => {
    state.lastMutation = now();
    // Read only until the first text: the page may clear and prepare the target first.
    state.hasText ||= target.textContent.length > 0;
    const text = state.hasText ? 1 : 0;
    if (state.inRaf) channel.port2.postMessage(text);
    else raf(() => channel.port2.postMessage(text));
  }).observe(target, { childList: true, subtree: true, characterData: true });
})();
