"""The error tree: one root, a stable code per failure, shown as one line by the CLI and API.

Every code is documented once in `docs/errors.md`.
"""

from __future__ import annotations


class BasisError(Exception):
    """Root of every error basis raises on purpose.

    `code` is stable (scripts and the API match on it); `str(error)` is one human line.
    """

    code = "BASIS_ERROR"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ConfigError(BasisError):
    """A configuration file, override or environment value is invalid."""

    code = "CONFIG_INVALID"
    exit_code = 2


class ConfigUnknownKeyError(ConfigError):
    code = "CONFIG_UNKNOWN_KEY"


class MissingSecretError(ConfigError):
    """A profile that needs a secret (prod) was started without it."""

    code = "CONFIG_MISSING_SECRET"


class DataError(BasisError):
    """Market data is missing, malformed or inconsistent."""

    code = "DATA_ERROR"
    exit_code = 2


class DataMalformedError(DataError):
    """An input file cannot be parsed; the message names the file, row or column."""

    code = "DATA_MALFORMED"


class DataGapError(DataError):
    """A series has a hole longer than the policy allows inside the requested window."""

    code = "DATA_GAP"


class DataConflictError(DataError):
    """Duplicated timestamps carry different values and no policy resolves them."""

    code = "DATA_CONFLICT"


class DataMissingError(DataError):
    """A series or window that a run needs is not in the catalog."""

    code = "DATA_MISSING"


class MechanicsError(BasisError):
    """An operation the venue itself would refuse (overdraw, over-borrow, bad size)."""

    code = "MECHANICS_ERROR"


class InsufficientBalanceError(MechanicsError):
    """Withdrawing, repaying or selling more than is held. Never clamped silently."""

    code = "INSUFFICIENT_BALANCE"


class InvalidOperationError(MechanicsError):
    code = "INVALID_OPERATION"


class InstrumentError(BasisError):
    """An instrument name is not `venue:kind:symbol` with a known kind and valid parts."""

    code = "INSTRUMENT_INVALID"
    exit_code = 2


class RunNotFoundError(BasisError):
    """No stored run has the given id, or a short id prefix matches several runs."""

    code = "RUN_NOT_FOUND"
    exit_code = 2


class JournalError(BasisError):
    """The order journal was asked something it cannot do: an unknown run or order, a fill
    that does not belong to the order it names, a submit inside a unit of work."""

    code = "JOURNAL_ERROR"


class JournalStateError(JournalError):
    """An order state change the journal's state machine does not allow."""

    code = "JOURNAL_STATE"


class OrderRefusedError(BasisError):
    """A pre-trade control (kill switch or a limit) refused an order before it was sent;
    `reason` says which, and the refusal is a journal event."""

    code = "ORDER_REFUSED"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SelfTradeRefusedError(OrderRefusedError):
    """An order could match a resting order of another managed account (a wash trade):
    refused before it was journalled or sent, as an event and an audit entry."""

    code = "SELF_TRADE_PREVENTED"


class WashTradingRefusedError(ConfigError):
    """A strategy whose purpose is volume between managed accounts was asked for."""

    code = "WASH_TRADING_REFUSED"


class AccountError(BasisError):
    """An account command cannot do what was asked (bad name, venue or input)."""

    code = "ACCOUNT_INVALID"
    exit_code = 2


class AccountNotFoundError(AccountError):
    code = "ACCOUNT_NOT_FOUND"


class AccountExistsError(AccountError):
    code = "ACCOUNT_EXISTS"


class AccountDisabledError(AccountError):
    """A disabled account's credentials were asked for: it cannot trade until enabled."""

    code = "ACCOUNT_DISABLED"
    exit_code = 1


class MasterKeyError(BasisError):
    """The master key is missing, malformed, ambiguous, or does not open the key store."""

    code = "MASTER_KEY_INVALID"
    exit_code = 2


class MasterKeyMismatchError(MasterKeyError):
    code = "MASTER_KEY_MISMATCH"


class CredentialsCorruptError(BasisError):
    """A stored credential failed authentication: edited, truncated or moved to another
    account. Nothing is decrypted from it."""

    code = "CREDENTIALS_CORRUPT"


class AuditChainError(BasisError):
    """The audit log's hash chain is broken: an entry was edited, deleted or reordered."""

    code = "AUDIT_CHAIN_BROKEN"
