"""Portfolio state: instruments, positions, the ledger with exact attribution, exposure, risk."""

from basis.book.book import Book
from basis.book.core import Holding
from basis.book.exposure import Exposure, PositionValue, exposure
from basis.book.factors import Marks
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import CATEGORIES, PNL_CATEGORIES, Category, Entry
from basis.book.risk import AaveRisk, Alert, Breach, MarginRisk, PerpRisk, Risk, risk
from basis.book.staking import LstExit

__all__ = [
    "CATEGORIES",
    "PNL_CATEGORIES",
    "AaveRisk",
    "Alert",
    "Book",
    "Breach",
    "Category",
    "Entry",
    "Exposure",
    "Holding",
    "Instrument",
    "Kind",
    "LstExit",
    "MarginRisk",
    "Marks",
    "PerpRisk",
    "PositionValue",
    "Risk",
    "exposure",
    "risk",
]
