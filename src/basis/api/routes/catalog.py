"""Modes, configurations and the data catalog: list, show, validate, series and findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from basis.api.deps import Ctx
from basis.api.schemas import (
    ERRORS,
    ConfigProblemOut,
    FindingOut,
    ModeConfig,
    ModeSummary,
    SeriesOut,
    Validate,
)
from basis.api.services import mode_config
from basis.config import loader
from basis.data.catalog import Catalog
from basis.data.checks import check_catalog
from basis.strategies import MODES, describe

router = APIRouter(tags=["modes and data"], responses=ERRORS)


@router.get("/modes", summary="The strategy modes, one line each")
def list_modes() -> list[ModeSummary]:
    return [ModeSummary(name=name, description=describe(name)) for name in MODES]


@router.get("/modes/{mode}", summary="A mode's resolved configuration")
def show_mode(mode: str, context: Ctx) -> ModeConfig:
    config = mode_config(context.settings, mode, {})
    return ModeConfig(name=mode, config=config.model_dump(mode="json"))


@router.post("/configs/validate", summary="Validate a mode with overrides (like --set)")
def validate(body: Validate, context: Ctx) -> ModeConfig:
    config = mode_config(context.settings, body.mode, body.overrides, body.capital)
    return ModeConfig(name=body.mode, config=config.model_dump(mode="json"))


@router.get("/configs/problems", summary="`basis config check` over the configs folder")
def config_problems(context: Ctx) -> list[ConfigProblemOut]:
    problems = loader.check(context.settings.configs_path)
    return [
        ConfigProblemOut(file=p.file, field=p.field, value=repr(p.value), expected=p.expected)
        for p in problems
    ]


Dataset = Annotated[str | None, Query(max_length=200, description="one dataset; default all")]


@router.get("/data/series", summary="The catalog's series")
def list_series(context: Ctx, dataset: Dataset = None) -> list[SeriesOut]:
    found = Catalog(context.settings.catalog_path).series(dataset)
    return [SeriesOut.model_validate(info, from_attributes=True) for info in found]


@router.get("/data/datasets", summary="The catalog's datasets")
def list_datasets(context: Ctx) -> list[str]:
    return Catalog(context.settings.catalog_path).datasets()


@router.get("/data/findings", summary="`basis data check` findings")
def findings(context: Ctx, dataset: Dataset = None) -> list[FindingOut]:
    found = check_catalog(Catalog(context.settings.catalog_path), dataset)
    return [FindingOut(**item.model_dump()) for item in found]
