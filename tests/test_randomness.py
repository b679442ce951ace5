"""The hot paths' random bytes (``cclibs.randomness``): each byte of the OS's CSPRNG is handed
out once, across block boundaries, threads and forked processes."""

from __future__ import annotations

import base64
import os
import threading

from cclibs import randomness


def test_every_draw_is_new_across_many_blocks() -> None:
    draws = [randomness.random_bytes(16) for _ in range(3000)]  # about a dozen 4 KiB blocks
    assert all(len(d) == 16 for d in draws)
    assert len(set(draws)) == len(draws)


def test_tokens_have_the_secrets_modules_shapes() -> None:
    token = randomness.token_urlsafe(32)
    assert len(token) == 43 and "=" not in token
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    hex_id = randomness.token_hex(16)
    assert len(hex_id) == 32 and int(hex_id, 16) >= 0
    assert len(randomness.random_bytes(5000)) == 5000  # past a block: straight from the OS


def test_threads_drawing_at_once_never_get_the_same_bytes() -> None:
    found: list[bytes] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [randomness.random_bytes(12) for _ in range(2000)]
        with lock:
            found.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 8000 and len(set(found)) == 8000


def test_a_forked_child_does_not_hand_out_its_parents_bytes() -> None:
    randomness.random_bytes(16)  # the parent has a block in use
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next draw, to the parent
        try:
            os.write(write, randomness.random_bytes(64))
        finally:
            os._exit(0)
    os.close(write)
    child = b""
    while len(child) < 64:
        chunk = os.read(read, 64 - len(child))
        if not chunk:
            break
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 64
    assert randomness.random_bytes(64) != child
