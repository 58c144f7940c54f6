"""Streams chat completions with the official `openai` package and prints what it got.

Used by openai_python.rs: each argument is a JSON object {"base_url", "model", "prompt"};
for each, one line of JSON {"text", "usage", "chunks", "finish_reason"} goes to stdout.
The point is that a real OpenAI client parses our streams, not that we parse them.
"""

import json
import sys

from openai import OpenAI


def stream(base_url: str, model: str, prompt: str) -> dict:
    # The demo needs no key, but the client insists on one.
    client = OpenAI(base_url=base_url, api_key="sparkplug-no-key", max_retries=0)
    text = []
    usage = None
    finish_reason = None
    chunks = 0
    for chunk in client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    ):
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage.model_dump(exclude_none=True)
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish_reason = choice.finish_reason
    return {
        "text": "".join(text),
        "usage": usage,
        "chunks": chunks,
        "finish_reason": finish_reason,
    }


def main() -> None:
    for argument in sys.argv[1:]:
        run = json.loads(argument)
        result = stream(run["base_url"], run["model"], run["prompt"])
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
