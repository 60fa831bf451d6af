"""Importers: one module per source layout, and a registry mapping a file path to its route."""

from basis.data.importers.registry import ParamsRoute, Route, SeriesRoute, route_for

__all__ = ["ParamsRoute", "Route", "SeriesRoute", "route_for"]
