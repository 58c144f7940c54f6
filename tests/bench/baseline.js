// The render benchmark's baseline: the least a page can do with the same stream. fetch →
// reader → TextDecoder → the SSE lines' text appended to one <pre>, as each chunk arrives.
window.startBaseline = async (model, prompt) => {
  const out = document.getElementById('out');
  const text = document.createTextNode('');
  out.replaceChildren(text);
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: prompt }],
    }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let usage = null;
  let first = null;
  let last = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let added = '';
    let cut;
    while ((cut = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 1);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6));
      const content = event.choices?.[0]?.delta?.content;
      if (content) added += content;
      if (event.usage) usage = event.usage.completion_tokens;
    }
    if (added) {
      const t = performance.now();
      first ??= t;
      last = t;
      text.appendData(added);
    }
  }
  window.__baseline = { usage, first, last, done: true };
};
