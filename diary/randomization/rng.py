"""A seeded random stream whose output is fixed by this file alone.

Python's and NumPy's generators may change their streams between versions; a
randomization list must be reproducible from its seed for the life of the trial,
so the stream is SHA-256 in counter mode: block i is SHA-256(seed || i). Integers
below n are drawn by rejection sampling (no modulo bias); shuffles are
Fisher-Yates from the last position down.
"""

import hashlib

_MASK64 = (1 << 64) - 1


class Stream:
    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError("The seed must be a non-negative integer.")
        self._key = seed.to_bytes((seed.bit_length() + 7) // 8 or 1, "big")
        self._counter = 0
        self._buffer = b""

    def _word(self) -> int:
        if len(self._buffer) < 8:
            block = hashlib.sha256(self._key + b"|" + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._buffer += block
        word, self._buffer = self._buffer[:8], self._buffer[8:]
        return int.from_bytes(word, "big")

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n < 1:
            raise ValueError("n must be at least 1.")
        limit = (_MASK64 + 1) - ((_MASK64 + 1) % n)
        while True:
            word = self._word()
            if word < limit:
                return word % n

    def choice(self, items):
        return items[self.below(len(items))]

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
