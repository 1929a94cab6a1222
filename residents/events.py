"""What the residents app tells the apps above it, without importing them.

When a contract's last day becomes known (a termination, a notice, a flip, an exception on a
missed window), `allocation` opens the unit's vacancy at once, in the same transaction. Imports
point down (allocation -> residents), so `residents` offers this registry: an app registers a
listener in its AppConfig.ready(), and the residents services call `end_known()` after they have
saved the facts. The calls are explicit in the services, not model signals, so reading a service
shows everything it sets off.

A listener takes `contract` and `today` and returns a sentence for the user ("The vacancy of
unit L01 is open from 1 February 2027."), or None when it did nothing worth saying.
"""

import datetime as dt
from collections.abc import Callable

_listeners: list[Callable[..., str | None]] = []


def on_end_known(listener: Callable[..., str | None]) -> Callable[..., str | None]:
    """Register `listener`; registering the same function twice keeps one."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def end_known(contract, *, today: dt.date) -> list[str]:
    """Tell every listener that `contract` now has a certain last day; what they said."""
    said = []
    for listener in _listeners:
        sentence = listener(contract=contract, today=today)
        if sentence:
            said.append(sentence)
    return said
