"""go-chi/httprate v0.15.0 sliding-window limiter, as coderd configures it.

Windows are aligned to the wall clock (time.Truncate), the rate is the
previous window's count weighted by the part of it still inside the sliding
window plus the current count, rounded like Go's math.Round. Rejected requests
are not counted, exactly like httprate.
"""

import threading
import time

from coder_sim.gowire import round_half_away

WINDOW_SECONDS = 60


class Decision(object):
    __slots__ = ("allowed", "headers")

    def __init__(self, allowed, headers):
        self.allowed = allowed
        self.headers = headers


class SlidingWindowLimiter(object):
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._counts = {}  # key -> {window start: count}, at most the two latest windows

    def hit(self, key, limit):
        """Count one request for `key`; returns whether it may pass and the
        X-Ratelimit-* / Retry-After headers httprate sets."""
        now = self._clock()
        window = _window_start(now)
        headers = _window_headers(window, limit)
        with self._lock:
            counts = self._counts.setdefault(key, {})
            for start in [s for s in counts if s < window - WINDOW_SECONDS]:
                del counts[start]
            previous, current = counts.get(window - WINDOW_SECONDS, 0), counts.get(window, 0)
            weight = (WINDOW_SECONDS - (now - window)) / WINDOW_SECONDS
            rate = round_half_away(previous * weight + current)
            if rate + 1 > limit:
                headers.append(("X-Ratelimit-Remaining", str(limit - rate)))
                headers.append(("Retry-After", str(WINDOW_SECONDS)))
                return Decision(False, headers)
            counts[window] = current + 1
        headers.append(("X-Ratelimit-Remaining", str(limit - rate - 1)))
        return Decision(True, headers)


def _window_start(now):
    return int(now // WINDOW_SECONDS) * WINDOW_SECONDS


def _window_headers(window, limit):
    return [("X-Ratelimit-Limit", str(limit)), ("X-Ratelimit-Reset", str(window + WINDOW_SECONDS))]
