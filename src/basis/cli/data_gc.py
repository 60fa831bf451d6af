"""`basis data gc`: remove catalog objects nothing refers to, and interrupted writes."""

from __future__ import annotations

from rich.markup import escape

from basis.cli.app import CatalogOption, data_app, open_catalog, out


@data_app.command("gc")
def gc(catalog: CatalogOption = None) -> None:
    """Delete objects no dataset refers to and temporaries left by interrupted writes."""
    store = open_catalog(catalog)
    collected = store.collect_garbage()
    out.print(
        f"[green]ok[/green]: removed {len(collected.objects)} unreferenced object(s) and "
        f"{len(collected.temporaries)} temporary file(s), {collected.bytes:,} bytes, from "
        f"{escape(str(store.root))}",
        highlight=False,
    )
