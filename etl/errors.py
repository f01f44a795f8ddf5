"""ETL error type: the one exception whose message a clerk can act on (declared in core.errors, since
the store raises it too); no I/O."""
from core.errors import EtlError

__all__ = ["EtlError"]
