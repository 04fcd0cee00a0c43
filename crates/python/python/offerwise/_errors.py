"""The one exception type of offerwise."""

from __future__ import annotations


class OfferwiseError(ValueError):
    """A document, a file or an option offerwise refused.

    ``code`` is the stable error code (``customer.invalid``, ``orders.invalid_row``,
    ``clv.not_converged``, ...) and ``path`` where the problem is (``orders[2].amount``,
    ``line 12, column amount``, or ``""``): the same as the CLI's and the wasm builds'.
    """

    def __init__(self, message: str, code: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path

    def __reduce__(self):  # picklable: Spark ships errors between processes
        return (type(self), (self.message, self.code, self.path))
