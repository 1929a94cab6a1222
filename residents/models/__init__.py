"""The residents app's models: people and contracts (core), and a contract's life after signing
(lifecycle: notices, omklap check-ins, warnings and guidance decisions), and
how long personal data is kept (retention)."""

from .core import *  # noqa: F403
from .core import __all__ as _core_all
from .documents import *  # noqa: F403
from .documents import __all__ as _documents_all
from .imports import *  # noqa: F403
from .imports import __all__ as _imports_all
from .lifecycle import *  # noqa: F403
from .lifecycle import __all__ as _lifecycle_all
from .retention import *  # noqa: F403
from .retention import __all__ as _retention_all

__all__ = [*_core_all, *_documents_all, *_imports_all, *_lifecycle_all, *_retention_all]
