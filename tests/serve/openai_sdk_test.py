#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`robomlx serve` as a subprocess on loopback, driven by the real OpenAI Python SDK.

Usage: openai_sdk_test.py ROBOMLX [unittest args]  (ctest: serve.openai_sdk)

The echo models (src/robomlx/serve/echo_model.h) make every answer known: chat and completions
return the prompt (the last user message), embeddings are unit byte histograms. Covered: chat
and completions whole and streamed (role-only first chunk, usage chunk, [DONE]), max_tokens and
stop, embeddings (base64, the SDK's default, and float), models, errors (401, 400s, 404, 413,
429 with Retry-After), a client that disconnects mid-stream frees its slot, 64 concurrent
streaming clients (each completes with its own text exactly once or gets 429), and SIGTERM
draining a running stream before exit 0. Every loop is bounded in count and time.
"""
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

import openai

ROBOMLX = None  # set from argv in __main__
KEY = "sk-robomlx-test"


class Server:
    """One `robomlx serve --port 0 ...` process; the port comes from its first stdout line."""

    def __init__(self, *args):
        cmd = [ROBOMLX, "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.log = []
        lines = queue.Queue()
        self.readers = [threading.Thread(target=lambda: [lines.put(l) for l in self.proc.stdout], daemon=True),
                        threading.Thread(target=lambda: [self.log.append(l) for l in self.proc.stderr], daemon=True)]
        for t in self.readers:
            t.start()
        try:
            first = lines.get(timeout=30)
        except queue.Empty:
            self.proc.kill()
            raise RuntimeError("robomlx serve printed nothing in 30 s: " + "".join(self.log))
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", first)
        if not m:
            self.proc.kill()
            raise RuntimeError("unexpected first line: " + first + "".join(self.log))
        self.base = f"http://127.0.0.1:{m.group(1)}"
        deadline = time.monotonic() + 60
        while self.get("/health")[0] != 200:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError("never healthy: " + "".join(self.log))
            time.sleep(0.05)

    def client(self, key=KEY, timeout=30):
        return openai.OpenAI(base_url=self.base + "/v1", api_key=key, max_retries=0, timeout=timeout)

    def request(self, method, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path, key=None):
        try:
            return self.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
        except (urllib.error.URLError, ConnectionError):
            return 0, b"", {}

    def post(self, path, body: bytes, key=KEY):
        return self.request("POST", path, body, {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})

    def metric(self, series):
        status, body, _ = self.get("/metrics", KEY)
        assert status == 200, status
        for line in body.decode().splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        return 0.0

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = -9
            self.proc.wait(timeout=5)
        for t in self.readers:  # they end at the pipes' end of file
            t.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


def stream_chat(client, text, max_tokens=None, on_chunk=None):
    """Streams one chat request; returns (text, chunks)."""
    extra = {} if max_tokens is None else {"max_tokens": max_tokens}
    stream = client.chat.completions.create(model=client._model, messages=[{"role": "user", "content": text}],
                                            stream=True, stream_options={"include_usage": True}, **extra)
    chunks, out = [], ""
    for c in stream:
        chunks.append(c)
        if c.choices and c.choices[0].delta.content:
            out += c.choices[0].delta.content
        if on_chunk and on_chunk(len(chunks), stream):
            break
    return out, chunks


def byte_histogram(text):
    v = [0.0] * 256
    for b in text.encode():
        v[b] += 1
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


class Api(unittest.TestCase):
    """Protocol and errors against `--model echo --model echo-embed` with an API key."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--model", "echo", "--model", "echo-embed", "--api-key", KEY, "--max-batch", "4",
                            "--max-queue", "8", "--max-body-mb", "0.0625")
        cls.client = cls.server.client()
        cls.client._model = "echo"

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        assert code == 0, f"exit code {code}"
        records = [json.loads(l) for l in cls.server.log if l.strip()]  # every log line is JSON
        assert any(r.get("event") == "request" and r.get("completion_tokens") for r in records)

    def test_models(self):
        ids = sorted(m.id for m in self.client.models.list())
        self.assertEqual(ids, ["echo", "echo-embed"])
        self.assertEqual(self.client.models.retrieve("echo").id, "echo")
        with self.assertRaises(openai.NotFoundError):
            self.client.models.retrieve("nope")

    def test_chat(self):
        text = "Hello, wörld ✓ 😀"
        r = self.client.chat.completions.create(model="echo", messages=[
            {"role": "system", "content": "You repeat."}, {"role": "user", "content": text}])
        self.assertEqual(r.choices[0].message.content, text)
        self.assertEqual(r.choices[0].message.role, "assistant")
        self.assertEqual(r.choices[0].finish_reason, "stop")
        n = len(text.encode())
        self.assertEqual((r.usage.prompt_tokens, r.usage.completion_tokens), (n + 1, n + 1))

    def test_chat_stream(self):
        text = "streamed ✓ 😀 text"
        out, chunks = stream_chat(self.client, text)
        self.assertEqual(out, text)
        first = chunks[0].choices[0].delta
        self.assertEqual((first.role, first.content), ("assistant", ""))
        for c in chunks[1:]:
            for ch in c.choices:
                self.assertIsNone(ch.delta.role, "role only in the first chunk")
        finishes = [ch.finish_reason for c in chunks for ch in c.choices if ch.finish_reason]
        self.assertEqual(finishes, ["stop"])
        self.assertEqual(chunks[-1].choices, [])
        self.assertEqual(chunks[-1].usage.completion_tokens, len(text.encode()) + 1)
        self.assertEqual(len({c.id for c in chunks}), 1)

    def test_completions(self):
        r = self.client.completions.create(model="echo", prompt="abcdefgh", max_tokens=3)
        self.assertEqual((r.choices[0].text, r.choices[0].finish_reason), ("abc", "length"))
        r = self.client.completions.create(model="echo", prompt="Hello world", max_tokens=50, stop=["wor"])
        self.assertEqual((r.choices[0].text, r.choices[0].finish_reason), ("Hello ", "stop"))
        out = "".join(c.choices[0].text for c in self.client.completions.create(
            model="echo", prompt="stream me", max_tokens=50, stream=True) if c.choices)
        self.assertEqual(out, "stream me")
        r = self.client.completions.create(model="echo", prompt="ab", max_tokens=5, logprobs=2)
        self.assertEqual(r.choices[0].logprobs.tokens, ["a", "b", ""])
        self.assertTrue(all(lp <= 0 for lp in r.choices[0].logprobs.token_logprobs))

    def test_embeddings(self):
        inputs = ["abc", "héllo wörld"]
        for fmt in (openai.omit, "float"):  # the SDK asks for base64 unless told otherwise
            r = self.client.embeddings.create(model="echo-embed", input=inputs, encoding_format=fmt)
            self.assertEqual(len(r.data), 2)
            for d, text in zip(r.data, inputs):
                ref = byte_histogram(text)
                self.assertEqual(len(d.embedding), 256)
                self.assertLess(max(abs(a - b) for a, b in zip(d.embedding, ref)), 1e-6)
            self.assertEqual(r.usage.prompt_tokens, sum(len(t.encode()) for t in inputs))
        r = self.client.embeddings.create(model="echo-embed", input="x", encoding_format="float", dimensions=3)
        self.assertEqual(len(r.data[0].embedding), 3)

    def test_auth(self):
        with self.assertRaises(openai.AuthenticationError) as e:
            self.server.client(key="wrong").models.list()
        self.assertEqual(e.exception.status_code, 401)
        self.assertEqual(e.exception.body["type"], "authentication_error")
        self.assertEqual(self.server.get("/health")[0], 200)          # public
        self.assertEqual(self.server.get("/health/ready")[0], 200)
        self.assertEqual(self.server.get("/metrics")[0], 401)

    def test_bad_requests(self):
        c = self.client
        msgs = [{"role": "user", "content": "x"}]
        for kwargs, param in [({"max_tokens": 10 ** 9}, "max_tokens"), ({"n": 2}, "n"),
                              ({"temperature": "hot"}, "temperature"), ({"max_tokens": 100000}, "max_tokens"),
                              ({"stop": ["a", "b", "c", "d", "e"]}, "stop")]:
            with self.assertRaises(openai.BadRequestError, msg=str(kwargs)) as e:
                c.chat.completions.create(model="echo", messages=msgs, **kwargs)
            self.assertEqual(e.exception.body["param"], param)
        with self.assertRaises(openai.NotFoundError):
            c.chat.completions.create(model="no-such-model", messages=msgs)
        with self.assertRaises(openai.NotFoundError):
            c.embeddings.create(model="echo", input="x")  # a text model is no embedding model
        for body in [b"{not json", b'{"model":"echo","messages":[{"role":"user","content":"\xff\xfe"}]}',
                     b'{"model":"echo"}', b'{"model":"echo","messages":"hi"}', b'[1,2,3]',
                     b'{"model":"echo","messages":[{"role":"user"}],"max_tokens":-1}']:
            status, raw, _ = self.server.post("/v1/chat/completions", body)
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")

    def test_body_too_large(self):
        body = json.dumps({"model": "echo", "prompt": "x" * 100_000}).encode()
        status, raw, _ = self.server.post("/v1/completions", body)
        self.assertEqual(status, 413)
        self.assertIn("error", json.loads(raw))


class Overload(unittest.TestCase):
    """One slot, one queue place, a slow model: 429 when full; a disconnect frees the slot."""

    def test_full_queue_then_disconnect(self):
        server = Server("--model", "echo-slow", "--max-batch", "1", "--max-queue", "1", "--no-warmup")
        try:
            client = server.client(key="unused")
            client._model = "echo-slow"
            long_text = "long " * 200  # 1000 tokens at 10 ms: 10 s if it were left to run
            hold = client.chat.completions.create(model="echo-slow", messages=[{"role": "user", "content": long_text}],
                                                  stream=True)
            it = iter(hold)
            next(it), next(it)  # role chunk, then text: it holds the slot
            queued = {}
            t = threading.Thread(target=lambda: queued.update(
                r=client.chat.completions.create(model="echo-slow", messages=[{"role": "user", "content": "queued"}])))
            t.start()
            deadline = time.monotonic() + 10
            while server.metric("robomlx_requests_waiting") < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            with self.assertRaises(openai.RateLimitError) as e:
                client.chat.completions.create(model="echo-slow", messages=[{"role": "user", "content": "refused"}])
            self.assertEqual(e.exception.status_code, 429)
            self.assertEqual(e.exception.response.headers.get("retry-after"), "1")
            self.assertEqual(e.exception.body["type"], "rate_limit_exceeded")
            t0 = time.monotonic()
            hold.close()  # the client goes away mid-stream
            t.join(timeout=15)
            self.assertFalse(t.is_alive())
            self.assertEqual(queued["r"].choices[0].message.content, "queued")
            self.assertLess(time.monotonic() - t0, 5, "the queued request waited for the abandoned stream")
            deadline = time.monotonic() + 5
            while server.metric('robomlx_request_failure_total{reason="cancelled"}') < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(server.metric('robomlx_request_failure_total{reason="cancelled"}'), 1)
            self.assertEqual(server.metric("robomlx_requests_running"), 0)
        finally:
            self.assertEqual(server.stop(), 0)


class Load(unittest.TestCase):
    """64 concurrent streaming clients against 8 slots and 8 queue places."""

    def test_64_streaming_clients(self):
        server = Server("--model", "echo-slow", "--max-batch", "8", "--max-queue", "8", "--no-warmup")
        try:
            n = 64
            results = [None] * n
            start = threading.Barrier(n)

            def one(i):
                client = server.client(key="unused", timeout=60)
                client._model = "echo-slow"
                text = f"client {i:02d} says {'xyz'[i % 3] * (5 + i % 7)} ✓"
                start.wait(timeout=30)
                try:
                    out, chunks = stream_chat(client, text)
                    finishes = [ch.finish_reason for c in chunks for ch in c.choices if ch.finish_reason]
                    results[i] = ("ok", out == text and finishes == ["stop"], {c.id for c in chunks})
                except openai.RateLimitError:
                    results[i] = ("429", True, set())
                except Exception as e:  # anything else is a lost request
                    results[i] = ("error", False, repr(e))
                finally:
                    client.close()

            threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            self.assertLess(time.monotonic() - t0, 60)
            self.assertTrue(all(r is not None for r in results), "a client never finished")
            bad = [(i, r) for i, r in enumerate(results) if not r[1]]
            self.assertEqual(bad, [], "wrong text, duplicated finish or error")
            ok = [r for r in results if r[0] == "ok"]
            rejected = [r for r in results if r[0] == "429"]
            self.assertEqual(len(ok) + len(rejected), n)
            self.assertGreaterEqual(len(ok), 8)
            ids = [next(iter(r[2])) for r in ok]
            self.assertTrue(all(len(r[2]) == 1 for r in ok))
            self.assertEqual(len(set(ids)), len(ids), "two streams shared an id")
            # The server counted the same: every accepted stream ended once, every refusal once.
            deadline = time.monotonic() + 5
            while server.metric('robomlx_request_failure_total{reason="rejected"}') < len(rejected) and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(server.metric('robomlx_request_success_total{finished_reason="stop"}'), len(ok))
            self.assertEqual(server.metric('robomlx_request_failure_total{reason="rejected"}'), len(rejected))
            print(f"load: {len(ok)} completed, {len(rejected)} got 429, {time.monotonic() - t0:.1f} s", file=sys.stderr)
        finally:
            self.assertEqual(server.stop(), 0)


class Shutdown(unittest.TestCase):
    """SIGTERM: new work is refused, the running stream finishes, the process exits 0."""

    def test_sigterm_drains_the_running_stream(self):
        server = Server("--model", "echo-slow", "--no-warmup", "--drain-timeout", "20")
        client = server.client(key="unused")
        client._model = "echo-slow"
        text = "drain " * 30  # 180 tokens, ~2 s

        def signal_once(count, _stream):
            if count == 2:
                server.proc.send_signal(signal.SIGTERM)
            return False

        out, chunks = stream_chat(client, text, on_chunk=signal_once)
        client.close()
        self.assertEqual(out, text)
        self.assertEqual(server.stop(), 0)
        events = [json.loads(l).get("event") for l in server.log if l.strip()]
        self.assertIn("draining", events)
        self.assertIn("stopped", events)


class RealModels(unittest.TestCase):
    """The PyPI models scripts/setup installs (SmolLM2-135M-Instruct Q4_1, all-MiniLM-L6-v2) end to end."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--model", "smollm2-135m-instruct", "--model", "all-minilm-l6-v2", "--max-batch", "4")
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_greedy_chat_stream_and_not(self):
        msgs = [{"role": "user", "content": "What is the capital of France?"}]
        r = self.client.chat.completions.create(model="smollm2-135m-instruct", messages=msgs, max_tokens=24,
                                                temperature=0)
        text = r.choices[0].message.content
        self.assertIn("Paris", text)
        streamed = "".join(c.choices[0].delta.content or "" for c in self.client.chat.completions.create(
            model="smollm2-135m-instruct", messages=msgs, max_tokens=24, temperature=0, stream=True))
        self.assertEqual(streamed, text)

    def test_chat_logprobs_and_a_prefix_hit(self):
        # logprobs / top_logprobs come from the logits the sampler already has (log-softmax); greedy picks
        # the top entry. The second, identical request reuses the cached prompt (all but its last token)
        # and must give the same tokens, with logprobs within 1e-3 (its last prompt token runs alone).
        msgs = [{"role": "user", "content": "Name a primary colour."}]
        kw = dict(model="smollm2-135m-instruct", messages=msgs, max_tokens=6, temperature=0, logprobs=True, top_logprobs=3)
        hits = self.server.metric("robomlx_prefix_cache_hits_total")
        a, b = (self.client.chat.completions.create(**kw) for _ in range(2))
        self.assertGreater(self.server.metric("robomlx_prefix_cache_hits_total"), hits)
        self.assertGreater(self.server.metric("robomlx_prefix_cache_reused_tokens_total"), 0)
        content = a.choices[0].logprobs.content
        self.assertEqual(len(content), a.usage.completion_tokens)
        self.assertEqual("".join(t.token for t in content), a.choices[0].message.content)
        for t in content:
            top = t.top_logprobs
            self.assertEqual(len(top), 3)
            self.assertEqual(t.token, top[0].token)
            self.assertAlmostEqual(t.logprob, top[0].logprob, places=5)
            self.assertLessEqual(top[0].logprob, 0)
            self.assertEqual([x.logprob for x in top], sorted((x.logprob for x in top), reverse=True))
            self.assertLessEqual(sum(math.exp(x.logprob) for x in top), 1 + 1e-5)
        self.assertEqual(b.choices[0].message.content, a.choices[0].message.content)
        for x, y in zip(content, b.choices[0].logprobs.content):
            self.assertEqual(x.token, y.token)
            self.assertAlmostEqual(x.logprob, y.logprob, delta=1e-3)

    def test_same_seed_same_text(self):
        kw = dict(model="smollm2-135m-instruct", prompt="Once upon a time", max_tokens=16, temperature=0.9, seed=7)
        a, b = (self.client.completions.create(**kw).choices[0].text for _ in range(2))
        self.assertEqual(a, b)

    def test_embeddings_rank_similar_sentences(self):
        texts = ["A man is eating food.", "A man is eating a piece of bread.", "The stock market fell sharply."]
        r = self.client.embeddings.create(model="all-minilm-l6-v2", input=texts, encoding_format="float")
        v = [d.embedding for d in r.data]
        self.assertEqual(len(v[0]), 384)
        for e in v:
            self.assertAlmostEqual(math.sqrt(sum(x * x for x in e)), 1.0, places=4)
        cos = lambda a, b: sum(x * y for x, y in zip(a, b))
        self.assertGreater(cos(v[0], v[1]), 0.6)
        self.assertLess(cos(v[0], v[2]), 0.3)


if __name__ == "__main__":
    ROBOMLX = sys.argv.pop(1)
    unittest.main(verbosity=2)
