"""Echo client for test/interop/deflate-python.spec.ts: Debian's python3-websockets, with its own
permessage-deflate (RFC 7692), against the sample's /echo. Prints one JSON document on stdout.

    /usr/bin/python3 echo_client.py ws://127.0.0.1:PORT/echo
"""
import asyncio
import hashlib
import json
import random
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

SIZES = [0, 1, 125, 1023, 1024, 4096, 65536, 1 << 20]
WORDS = ["hello", "the", "build", "is", "green", "naïve", "café", "☕", "👍", "merge", "when", "ready"]


def text_of(size: int, seed: int) -> str:
    """Chat-like JSON lines of exactly `size` UTF-8 bytes."""
    rng = random.Random(seed)
    out, used, i = [], 0, 0
    while used < size:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        line = json.dumps({"event": "said", "data": {"room": "lobby", "from": rng.choice(["ada", "bob"]), "text": words, "n": i}}, ensure_ascii=False) + "\n"
        out.append(line)
        used += len(line.encode())
        i += 1
    raw = "".join(out).encode()[:size]
    while True:
        try:
            text = raw.decode()
            break
        except UnicodeDecodeError:
            raw = raw[:-1]
    return text + "x" * (size - len(raw))


def binary_of(size: int, seed: int) -> bytes:
    """Half random bytes, half a repeated pattern."""
    rng = random.Random(seed)
    half = size // 2
    return rng.randbytes(half) + (bytes(range(256)) * (size // 256 + 1))[: size - half]


def digest(data) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


async def run(url: str, label: str, extensions) -> dict:
    kwargs = {"max_size": None, "ping_interval": None}
    if extensions is not None:
        kwargs["extensions"] = extensions
    async with websockets.connect(url, **kwargs) as ws:
        result = {
            "label": label,
            "response_extensions": ws.response_headers.get("Sec-WebSocket-Extensions"),
            "extensions": [
                {
                    "name": ext.name,
                    "local_no_context_takeover": ext.local_no_context_takeover,
                    "remote_no_context_takeover": ext.remote_no_context_takeover,
                    "local_max_window_bits": ext.local_max_window_bits,
                    "remote_max_window_bits": ext.remote_max_window_bits,
                }
                for ext in ws.extensions
            ],
            "echoes": [],
        }
        cases = []
        for size in SIZES:
            cases.append(("text", size, text_of(size, size)))
            cases.append(("binary", size, binary_of(size, size + 1)))
        for kind, size, message in cases:
            await ws.send(message)
            reply = await ws.recv()
            result["echoes"].append({
                "kind": kind,
                "size": size,
                "reply_kind": "text" if isinstance(reply, str) else "binary",
                "same": reply == message,
                "sent_sha256": digest(message),
                "reply_sha256": digest(reply),
            })
        # A fragmented message: websockets compresses each fragment with a sync flush, RSV1 on the first.
        fragments = [text_of(3000, 7), text_of(5000, 8), text_of(10, 9)]
        await ws.send(fragments)
        reply = await ws.recv()
        result["echoes"].append({
            "kind": "fragmented text",
            "size": sum(len(f.encode()) for f in fragments),
            "reply_kind": "text" if isinstance(reply, str) else "binary",
            "same": reply == "".join(fragments),
            "sent_sha256": digest("".join(fragments)),
            "reply_sha256": digest(reply),
        })
        return result


async def main(url: str) -> None:
    results = [
        await run(url, "default", None),
        await run(
            url,
            "windows",
            [ClientPerMessageDeflateFactory(server_max_window_bits=11, client_max_window_bits=9, server_no_context_takeover=True)],
        ),
    ]
    print(json.dumps({"websockets": websockets.__version__, "python": sys.version.split()[0], "runs": results}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
