"""A connection to the queue's Redis, from the URL an operator gives, password kept out
of every message.

redis-py reads the URL: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://``
for TLS (``?ssl_cert_reqs=required&ssl_ca_certs=/path/ca.pem`` and the other ``ssl_*``
settings in the query string), ``unix:///path/redis.sock?db=0``.  Commands that hit a
dropped connection are retried with exponential backoff (a Redis restarting for a few
seconds is waited for), and an idle connection is checked before it is used.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from judge.errors import QueueError

if TYPE_CHECKING:
    import redis

INSTALL_HINT = "pip install 'micrograd-judge[queue]'"
SCHEMES = ("redis", "rediss", "unix")
CONNECT_TIMEOUT_S = 5.0
# A command's reply may take this long; RQ's worker raises it above its blocking wait.
SOCKET_TIMEOUT_S = 30.0
HEALTH_CHECK_S = 15  # an idle connection is PINGed before use after this long
COMMAND_RETRIES = 4  # about 0.1 + 0.2 + 0.4 + 0.8 s of backoff: a blip, not an outage
RECONNECT_MAX_S = 10.0  # the longest wait between two tries while Redis is down


class CredentialsRefused(QueueError):
    """The Redis wants a password the URL does not give, or refused the one it does."""


class UnusableURL(QueueError):
    """redis-py refuses a setting of the URL when it connects (an ``ssl_cert_reqs`` it
    does not know, say): fix the URL; waiting will not change it."""


def require_queue_extra() -> None:
    """Raise ``QueueError`` saying what to install unless rq and redis import."""
    try:
        import redis  # noqa: F401
        import rq  # noqa: F401
    except ImportError as error:
        raise QueueError(
            f"--queue needs the queue extra ({error.name} is not installed): {INSTALL_HINT}"
        ) from None


def redact(url: str) -> str:
    """``url`` with its password (and user) replaced by ``***``: what messages show."""
    return re.sub(r"(?<=://)[^@/]*@", "***@", url)


def hide(text: str, url: str) -> str:
    """``text`` with the password of ``url`` removed wherever it appears."""
    password = _password(url)
    text = text.replace(url, redact(url))
    return text.replace(password, "***") if password else text


def connect(url: str, *, check: bool = True) -> redis.Redis:
    """A client of the Redis at ``url``; with ``check``, one that answered a PING.

    Raises ``QueueError`` (exit 2) for a URL that is not a Redis URL, a server that
    cannot be reached, or one that refuses the credentials; the message names the
    server, never the password.
    """
    require_queue_extra()
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    shown = redact(url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise QueueError(
            f"--queue {shown}: not a Redis URL; give redis://[:PASSWORD@]HOST[:PORT][/DB], "
            "rediss://... for TLS, or unix:///PATH/TO/redis.sock"
        )
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=HEALTH_CHECK_S,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), COMMAND_RETRIES),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
    except (ValueError, TypeError) as error:  # a bad port, db or ssl_* setting
        raise QueueError(f"--queue {shown}: {hide(str(error), url)}") from None
    if check:
        ping(client, url)
    return client


def ping(client: redis.Redis, url: str) -> None:
    """Check that the server answers and accepts us; ``QueueError`` saying why not."""
    import redis

    shown = redact(url)
    try:
        client.ping()
    except (redis.AuthenticationError, redis.ResponseError) as error:
        if not isinstance(error, redis.AuthenticationError) and not _about_auth(error):
            raise QueueError(f"the Redis at {shown} answered: {hide(str(error), url)}") from None
        if not _password(url):
            raise CredentialsRefused(
                f"the Redis at {shown} needs a password: redis://:PASSWORD@HOST:PORT"
            ) from None
        raise CredentialsRefused(
            f"the Redis at {shown} refused the credentials; check the password in the --queue URL"
        ) from None
    except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
        why = hide(str(error), url).rstrip(".")
        raise QueueError(
            f"cannot reach the Redis at {shown}: {why}; is it running, and is the URL "
            "(host, port, redis:// or rediss://) right?"
        ) from None
    except redis.RedisError as error:
        raise UnusableURL(f"--queue {shown}: {hide(str(error), url)}") from None


def _about_auth(error: Exception) -> bool:
    return any(word in str(error) for word in ("NOAUTH", "WRONGPASS", "AUTH"))


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def wait_for(
    client: redis.Redis,
    url: str,
    say: Callable[[str], None],
    stop: Callable[[], bool] = lambda: False,
) -> bool:
    """Wait until the Redis at ``url`` answers, trying again with a growing delay (at
    most ``RECONNECT_MAX_S``) and saying so; False if ``stop()`` turned true first.
    A refused password is not waited for: ``QueueError``."""
    delay = 0.5
    said = False
    while not stop():
        try:
            ping(client, url)
            if said:
                say(f"connected to the Redis at {redact(url)}")
            return True
        except (CredentialsRefused, UnusableURL):
            raise  # waiting will not change the password or the URL
        except QueueError as error:
            if not said:
                say(f"{error}; trying again every {RECONNECT_MAX_S:.0f} s at most")
                said = True
        end = time.monotonic() + delay
        while time.monotonic() < end and not stop():
            time.sleep(0.1)
        delay = min(delay * 2, RECONNECT_MAX_S)
    return False
