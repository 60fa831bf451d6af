"""The error tree: one root, a stable code per failure, shown as one line by the CLI and API.

Every code is documented once in `docs/errors.md`.
"""

from __future__ import annotations


class BasisError(Exception):
    """Root of every error basis raises on purpose.

    `code` is stable (scripts and the API match on it); `str(error)` is one human line.
    `field` names the input at fault when the raiser knows it (the API shows it).
    """

    code = "BASIS_ERROR"
    exit_code = 1
    field: str | None = None

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


class DataCorruptError(DataError):
    """A catalog object is missing, or its bytes or shape disagree with the manifest.

    `subject` names the dataset and series (or parameter document), `object_` the hash.
    """

    code = "DATA_CORRUPT"

    def __init__(self, message: str, *, subject: str, object_: str) -> None:
        super().__init__(message)
        self.subject = subject
        self.object_ = object_


class IoError(BasisError):
    """The operating system refused a read or write (full disk, read-only, permissions, a
    file where a folder should be). `path` is what basis tried to use."""

    code = "IO_ERROR"

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class MechanicsError(BasisError):
    """An operation the venue itself would refuse (overdraw, over-borrow, bad size)."""

    code = "MECHANICS_ERROR"


class InsufficientBalanceError(MechanicsError):
    """Withdrawing, repaying or selling more than is held. Never clamped silently."""

    code = "INSUFFICIENT_BALANCE"


class InvalidOperationError(MechanicsError):
    code = "INVALID_OPERATION"


class CapacityError(MechanicsError):
    """An Aave operation beyond the reserve's available liquidity or cap at that hour."""

    code = "CAPACITY_EXCEEDED"


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


class ServiceError(BasisError):
    """A request to the service (API or pages) that it refuses; the API answers with `status`."""

    code = "SERVICE_ERROR"
    exit_code = 2
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AuthRequiredError(ServiceError):
    """No credentials, or credentials that are expired, malformed or revoked."""

    code = "AUTH_REQUIRED"
    status = 401


class AuthInvalidError(ServiceError):
    """A login with a wrong user name or password (never says which)."""

    code = "AUTH_INVALID"
    status = 401


class PermissionDeniedError(ServiceError):
    """The user is signed in but their role may not do this."""

    code = "FORBIDDEN"
    status = 403


class RateLimitedError(ServiceError):
    """Too many requests (per user), logins (per address) or failed logins (per user)."""

    code = "RATE_LIMITED"
    status = 429

    def __init__(self, message: str, *, retry_after: float, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class NotFoundError(ServiceError):
    """A job, user, token or route that does not exist."""

    code = "NOT_FOUND"
    status = 404


class ConflictError(ServiceError):
    """The request contradicts the current state (a user name taken, a job already done)."""

    code = "CONFLICT"
    status = 409


class UserError(ServiceError):
    """A user or password that cannot be stored (bad name, unknown role, short password),
    or no user at all when the server starts."""

    code = "USER_INVALID"
    status = 422


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


class SessionError(BasisError):
    """A session request that cannot be carried out as asked: a bad name, allocation or
    account set, or a state change the session's state does not allow."""

    code = "SESSION_INVALID"
    exit_code = 2


class SessionNotFoundError(SessionError):
    code = "SESSION_NOT_FOUND"


class SessionStateError(SessionError):
    """A state change the session's current state does not allow (pause a stopped one)."""

    code = "SESSION_STATE"


class StressError(BasisError):
    """A stress run that produced no usable result: every path failed, or the worst path
    did not reproduce when run again."""

    code = "STRESS_FAILED"
